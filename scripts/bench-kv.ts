// npm run bench:kv -- --endpoints URL[,URL...] [--connections 1,64] [--duration 10] [--value-size 256]
//                     [--keys 100000] [--spread] [--serializable]
//
// A closed-loop load on the etcd v3 JSON gateway (raft-ts's or etcd 3.4's, unchanged): C connections (HTTP/1.1
// keep-alive, one agent of one socket each), each with one request in flight, first putting random keys of the
// key space (POST /v3/kv/put) for the duration, then reading random keys (POST /v3/kv/range, linearizable unless
// --serializable). Prints ops/s, mean and p50/p99/p999 latency per phase and the conditions; a progress line
// shows on a terminal. Requests go to the leader (raft-ts: GET /status; etcd: /v3/maintenance/status), or to
// every endpoint in turn with --spread.
import { randomBytes, randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { HttpConnection } from './http-connection.js';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { findLeader } from '../src/client/index.js';

const USAGE =
  'usage: npm run bench:kv -- --endpoints URL[,URL...] [--connections C[,C...]] [--duration seconds] ' +
  '[--value-size bytes] [--keys N] [--spread] [--serializable]';

function usage(reason: string): never {
  console.error(`bench:kv: ${reason}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      endpoints: {
        type: 'string',
        default: 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003',
      },
      connections: { type: 'string', default: '1,64' },
      duration: { type: 'string', default: '10' },
      'value-size': { type: 'string', default: '256' },
      keys: { type: 'string', default: '100000' },
      spread: { type: 'boolean', default: false },
      serializable: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const values = parsed.values;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (text: string, what: string): number => {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) usage(`${what} must be a positive number, not "${text}"`);
  return n;
};
const endpoints = values.endpoints.split(',').filter((e) => e !== '');
for (const e of endpoints) {
  if (!URL.canParse(e) || new URL(e).protocol !== 'http:') usage(`"${e}" is not an http:// URL`);
}
if (endpoints.length === 0) usage('no endpoint given');
const connectionCounts = values.connections.split(',').map((c) => Math.floor(positive(c, '--connections')));
const durationMs = positive(values.duration, '--duration') * 1000;
const valueSize = Math.floor(positive(values['value-size'], '--value-size'));
const keys = Math.floor(positive(values.keys, '--keys'));

/** The key space: fixed-width names, so every key is the same size whatever N. */
const keyWidth = String(keys - 1).length;
const keyBase64 = (n: number): string =>
  Buffer.from(`bench/${String(n).padStart(keyWidth, '0')}`).toString('base64');
const valueBase64 = randomBytes(valueSize).toString('base64');

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** What answers: raft-ts (it has /status) or etcd and its version. */
async function serverKind(agent: Agent, endpoint: string): Promise<string> {
  try {
    const status = await fetch(new URL('/status', endpoint), { signal: AbortSignal.timeout(2_000) });
    if (status.ok) return 'raft-ts';
    const etcd = await post(agent, new URL('/v3/maintenance/status', endpoint), '{}');
    const version = (JSON.parse(etcd.body) as { version?: string }).version;
    return version === undefined ? 'unknown server' : `etcd ${version}`;
  } catch {
    return 'unknown server';
  }
}

interface PhaseResult {
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly seconds: number;
  readonly latencies: Float64Array;
}

/** C closed loops for the duration, each on its own keep-alive connection (see http-connection.ts). */
async function phase(
  name: 'put' | 'range',
  connections: number,
  targets: readonly string[],
): Promise<PhaseResult> {
  const path = name === 'put' ? '/v3/kv/put' : '/v3/kv/range';
  const links = Array.from(
    { length: connections },
    (_, i) => new HttpConnection(new URL(targets[i % targets.length] as string)),
  );
  let latencies = new Float64Array(1 << 16);
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  const record = (ms: number): void => {
    if (ops === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[ops++] = ms;
  };
  const start = performance.now();
  const end = start + durationMs;
  const progress = process.stdout.isTTY
    ? setInterval(() => {
        const s = (performance.now() - start) / 1000;
        process.stdout.write(
          `\r  ${name} x ${connections}: ${s.toFixed(1)} / ${durationMs / 1000} s, ` +
            `${Math.round(ops / s).toLocaleString('en-US')} ops/s, ${errors} errors\x1b[K`,
        );
      }, 250)
    : null;
  await Promise.all(
    links.map(async (link) => {
      while (performance.now() < end) {
        const key = keyBase64(randomInt(keys));
        const body =
          name === 'put'
            ? `{"key":"${key}","value":"${valueBase64}"}`
            : `{"key":"${key}"${values.serializable ? ',"serializable":true' : ''}}`;
        const t0 = performance.now();
        try {
          const answer = await link.post(path, body);
          if (answer.status === 200) record(performance.now() - t0);
          else {
            errors++;
            firstError ??= `HTTP ${answer.status} ${answer.body.slice(0, 200)}`;
          }
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
          // A dead endpoint refuses at once: do not spin on it.
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  if (progress !== null) {
    clearInterval(progress);
    process.stdout.write('\r\x1b[K');
  }
  for (const link of links) link.close();
  return { ops, errors, firstError, seconds, latencies: latencies.slice(0, ops).sort() };
}

function row(name: string, connections: number, r: PhaseResult): string {
  const q = (p: number): string =>
    r.ops === 0 ? '-' : (r.latencies[Math.min(r.ops - 1, Math.floor(p * r.ops))] ?? NaN).toFixed(3);
  let sum = 0;
  for (const l of r.latencies) sum += l;
  const mean = r.ops === 0 ? '-' : (sum / r.ops).toFixed(3);
  const rate = Math.round(r.ops / r.seconds).toLocaleString('en-US');
  return `| ${name} | ${connections} | ${rate} | ${mean} | ${q(0.5)} | ${q(0.99)} | ${q(0.999)} | ${r.errors} |`;
}

async function main(): Promise<void> {
  const probe = new Agent({ keepAlive: false });
  const kind = await serverKind(probe, endpoints[0] as string);
  let targets = endpoints;
  let where = `spread over ${endpoints.length} endpoint(s)`;
  if (!values.spread) {
    const leader = await findLeader(probe, endpoints, 3_000);
    if (leader === null) console.error('bench:kv: no leader found; spreading requests over the endpoints');
    else {
      targets = [leader];
      where = `to the leader ${leader}`;
    }
  }
  probe.destroy();
  const cpu = cpus();
  console.log(
    `bench:kv against ${kind} at ${endpoints.join(',')}: requests ${where}, ${durationMs / 1000} s per phase, ` +
      `${valueSize}-byte values, ${keys.toLocaleString('en-US')} keys, ranges ` +
      `${values.serializable ? 'serializable' : 'linearizable'}, HTTP/1.1 keep-alive, one request in flight per connection`,
  );
  console.log(
    `conditions: Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, load average ` +
      `${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at start`,
  );
  console.log('| phase | connections | ops/s | mean ms | p50 ms | p99 ms | p999 ms | errors |');
  console.log('| ----- | ----------: | ----: | ------: | -----: | -----: | ------: | -----: |');
  let failed = false;
  for (const connections of connectionCounts) {
    for (const name of ['put', 'range'] as const) {
      const result = await phase(name, connections, targets);
      console.log(row(name, connections, result));
      if (result.firstError !== null) {
        console.error(`  ${result.errors} ${name} errors; the first: ${result.firstError}`);
        failed ||= result.ops === 0;
      }
    }
  }
  if (failed) process.exitCode = 1;
}

await main();
