// The `raft-ts` command as a user runs it: help, bad flags, `cluster` and `status`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freeClusterBase } from './free-ports.js';
import { RAFT_TS_BIN, until, waitExit } from './member-processes.js';

function raftTs(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RAFT_TS_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the raft-ts command', { timeout: 90_000 }, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const f of cleanup) await f();
  });

  it('documents every command and flag in --help', () => {
    const root = raftTs(['--help']);
    assert.equal(root.code, 0);
    for (const command of ['node', 'cluster', 'status'])
      assert.match(root.stdout, new RegExp(`\\b${command}\\b`));
    const node = raftTs(['node', '--help']);
    assert.equal(node.code, 0);
    for (const flag of [
      '--id',
      '--peers',
      '--data-dir',
      '--listen',
      '--client',
      '--cluster',
      '--tick-ms',
      '--log-level',
    ]) {
      assert.ok(node.stdout.includes(flag), `node --help mentions ${flag}`);
    }
    assert.ok(raftTs(['cluster', '--help']).stdout.includes('--base-port'));
    assert.ok(raftTs(['status', '--help']).stdout.includes('--json'));
  });

  it('answers a bad flag with one line and exit code 2', () => {
    for (const args of [
      ['node', '--id', '1', '--peers', '1=127.0.0.1:1', '--data-dir', 'x', '--bogus'],
      ['node', '--id', 'one', '--peers', '1=127.0.0.1:1', '--data-dir', 'x'],
      ['node', '--id', '4', '--peers', '1=127.0.0.1:1', '--data-dir', 'x'],
      ['status', '--peers', 'localhost'],
      ['frobnicate'],
    ]) {
      const r = raftTs(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit code`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, got ${r.stderr}`);
      assert.match(r.stderr, /^error: /);
    }
  });

  it('starts a cluster, shows its status, stops it on SIGTERM, and fails loudly when a member dies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-ts-cli-'));
    const base = await freeClusterBase(3);
    let output = '';
    const start = (): ReturnType<typeof spawn> => {
      output = '';
      const child = spawn(
        process.execPath,
        [RAFT_TS_BIN, 'cluster', '--nodes', '3', '--base-port', String(base), '--data-dir', dir],
        // Its own process group: the cleanup below kills the group, members included, whatever happened.
        { detached: true },
      );
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return child;
    };
    const pidsOf = (): number[] => [...output.matchAll(/member \d+: pid (\d+)/g)].map((m) => Number(m[1]));
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const groups: number[] = [];
    const startTracked = (): ReturnType<typeof spawn> => {
      const child = start();
      if (child.pid !== undefined) groups.push(child.pid);
      return child;
    };
    cleanup.push(async () => {
      for (const group of groups) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // The group is gone already.
        }
      }
      await rm(dir, { recursive: true, force: true });
    });
    let cluster = startTracked();
    await until('the cluster to print its members', 30_000, () => (pidsOf().length === 3 ? true : undefined));
    const peers = [1, 2, 3].map((id) => `${id}=127.0.0.1:${base + 1000 + id - 1}`).join(',');
    const table = await until(
      'a leader in raft-ts status',
      30_000,
      () => {
        const r = raftTs(['status', '--peers', peers]);
        return r.code === 0 && / leader /.test(r.stdout) && !r.stdout.includes('unreachable')
          ? r.stdout
          : undefined;
      },
      200,
    );
    assert.match(table.split('\n')[0] ?? '', /^id\s+address\s+role\s+term\s+leader\s+commit/);
    // The JSON form reports the same: one leader. Leadership may move between two calls (a member's event loop
    // stalled past an election timeout on a loaded machine), so it is polled, and no sample may show two leaders
    // of one term.
    await until(
      'one leader in raft-ts status --json',
      30_000,
      () => {
        const json = JSON.parse(raftTs(['status', '--json', '--peers', peers]).stdout) as {
          ok: boolean;
          status: { role: string; term: number };
        }[];
        const leaderTerms = json.filter((r) => r.ok && r.status.role === 'leader').map((r) => r.status.term);
        assert.equal(
          new Set(leaderTerms).size,
          leaderTerms.length,
          `two leaders in one term: ${JSON.stringify(json)}`,
        );
        return leaderTerms.length === 1 ? true : undefined;
      },
      200,
    );

    const pids = pidsOf();
    assert.equal(pids.length, 3, `cluster printed: ${output}`);
    cluster.kill('SIGTERM');
    assert.equal(await waitExit(cluster, 15_000), 0, 'a clean stop exits 0');
    assert.ok(
      pids.every((pid) => !alive(pid)),
      'every member stopped with it',
    );

    cluster = startTracked();
    const [victim] = await until('the members to start', 30_000, () =>
      pidsOf().length === 3 ? pidsOf() : undefined,
    );
    await until(
      'member 1 to answer',
      30_000,
      async () => (await fetch(`http://127.0.0.1:${base + 1000}/status`)).ok || undefined,
    );
    process.kill(victim as number, 'SIGKILL');
    assert.equal(await waitExit(cluster, 15_000), 1, 'a member that dies makes the cluster exit non-zero');
    assert.match(output, /member 1 \(pid \d+\) exited unexpectedly \(SIGKILL\)/);
    assert.ok(
      pidsOf().every((pid) => !alive(pid)),
      'the others were stopped, none restarted',
    );

    // kill -9 of the cluster process itself: its members see their stdin close and stop on their own.
    cluster = startTracked();
    const orphans = await until('the members to start', 30_000, () =>
      pidsOf().length === 3 ? pidsOf() : undefined,
    );
    await until(
      'member 1 to answer',
      30_000,
      async () => (await fetch(`http://127.0.0.1:${base + 1000}/status`)).ok || undefined,
    );
    cluster.kill('SIGKILL');
    await until('the orphaned members to stop', 15_000, () =>
      orphans.every((pid) => !alive(pid)) ? true : undefined,
    );
  });
});
