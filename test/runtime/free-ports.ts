import { createServer, type Server } from 'node:net';

/**
 * A base port such that base..base+n-1, base+1000.. and base+2000.. are all free on 127.0.0.1: the layout of
 * `raft-ts cluster --base-port base` (peer ports, client ports, proposal ports). Chosen at random and checked, so
 * that tests running side by side do not collide.
 */
export async function freeClusterBase(n: number): Promise<number> {
  const tryListen = (port: number): Promise<Server | null> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => {
        resolve(null);
      });
      s.listen(port, '127.0.0.1', () => {
        resolve(s);
      });
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: n }, (_, i) => [base + i, base + 1000 + i, base + 2000 + i]).flat();
    const servers = await Promise.all(ports.map(tryListen));
    await Promise.all(
      servers.map(
        (s) =>
          new Promise((resolve) => {
            if (s === null) resolve(null);
            else s.close(resolve);
          }),
      ),
    );
    if (servers.every((s) => s !== null)) return base;
  }
  throw new Error('no free port range found');
}
