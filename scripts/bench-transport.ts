// npm run bench:transport -- [--duration S] [--size BYTES] [--batch ENTRIES] [--window MESSAGES]
//
// Two TcpTransports on loopback in one process. Member 1 streams AppendEntries (each carrying --batch entries of
// --size bytes) to member 2, which answers each with an AppendEntriesReply, as a follower does; the sender keeps
// at most --window messages unanswered (as a leader's inflight window does). Prints messages and entries per
// second and MB/s, after a short warm-up. With no --batch, runs batch sizes 1 and 64.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Entry, Message } from '../src/core/index.js';
import { encodeFrame, TcpTransport } from '../src/transport/index.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    batch: { type: 'string' },
    window: { type: 'string', default: '256' },
  },
});
const durationS = Number(values.duration);
const size = Number(values.size);
const window = Number(values.window);
const batches = values.batch === undefined ? [1, 64] : [Number(values.batch)];

interface Result {
  messages: number;
  seconds: number;
  frameBytes: number;
}

async function run(batch: number): Promise<Result> {
  const host = '127.0.0.1';
  const placeholder = new Map([
    [1, { host, port: 0 }],
    [2, { host, port: 0 }],
  ]);
  const leader = new TcpTransport({ id: 1, clusterId: 'bench', members: placeholder });
  const follower = new TcpTransport({ id: 2, clusterId: 'bench', members: placeholder });
  await leader.start();
  await follower.start();
  leader.setPeerAddress(2, follower.address());
  follower.setPeerAddress(1, leader.address());

  const payload = new Uint8Array(size).fill(0xab);
  let nextIndex = 1;
  const makeAppend = (): Message => {
    const prev = nextIndex - 1;
    const entries: Entry[] = [];
    for (let k = 0; k < batch; k++) entries.push({ index: nextIndex++, term: 1, command: payload });
    return {
      type: 'AppendEntries',
      term: 1,
      from: 1,
      to: 2,
      prevLogIndex: prev,
      prevLogTerm: 1,
      entries,
      leaderCommit: prev,
    };
  };
  const frameBytes = encodeFrame(makeAppend()).length;
  nextIndex = 1;

  follower.onMessage((m) => {
    if (m.type !== 'AppendEntries') return;
    const last = m.entries.at(-1)?.index ?? m.prevLogIndex;
    follower.send({
      type: 'AppendEntriesReply',
      term: 1,
      from: 2,
      to: 1,
      success: true,
      matchIndex: last,
      rejectedIndex: 0,
      conflict: null,
    });
  });

  let inflight = 0;
  let acked = 0;
  let measuring = false;
  let stopping = false;
  const fill = (): void => {
    while (!stopping && inflight < window) {
      leader.send(makeAppend());
      inflight++;
    }
  };
  leader.onMessage((m) => {
    if (m.type !== 'AppendEntriesReply') return;
    inflight--;
    if (measuring) acked++;
    fill();
  });

  fill();
  await new Promise((resolve) => setTimeout(resolve, 500)); // warm-up: connect, JIT
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const messages = acked;
  stopping = true;
  measuring = false;
  const dropped = leader.stats(2).dropped + follower.stats(1).dropped;
  await leader.stop();
  await follower.stop();
  if (dropped > 0) console.log(`  (note: ${dropped} messages dropped by full queues)`);
  return { messages, seconds, frameBytes };
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `bench:transport: 2 TcpTransports on 127.0.0.1 in one process; node ${process.version}; ${cpu} x${cpus().length}`,
);
console.log(
  `  entries of ${size} bytes; window ${window} messages; ${durationS} s after a 0.5 s warm-up; each message answered`,
);
for (const batch of batches) {
  const r = await run(batch);
  const perS = r.messages / r.seconds;
  const entryMBs = (perS * batch * size) / 1e6;
  const wireMBs = (perS * r.frameBytes) / 1e6;
  console.log(
    `  ${String(batch).padStart(3)} entries/message: ${Math.round(perS).toLocaleString('en-US')} messages/s, ` +
      `${Math.round(perS * batch).toLocaleString('en-US')} entries/s, ${entryMBs.toFixed(1)} MB/s of entries ` +
      `(${wireMBs.toFixed(1)} MB/s framed, ${r.frameBytes} bytes/frame)`,
  );
}
