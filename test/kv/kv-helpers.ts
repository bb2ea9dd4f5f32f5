/**
 * The helpers of the kvraft lab's test_test.go: the logging wrappers that count operations and record them for
 * the linearizability check, `check`, the client spawner, the append checks and the partitioner. Every wait is
 * in virtual time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkOperations,
  formatViolation,
  type KvInput,
  type KvOutput,
  kvModel,
  type Operation,
  renderViolationHtml,
} from '../../src/check/index.js';
import type { Clerk, KvConfig } from '../../src/kv/lab/index.js';

/** The lab's electionTimeout in the kvraft tests (ms). */
export const ELECTION_TIMEOUT = 1000;
/** Porcupine's time budget in the kvraft tests (ms of wall time). */
export const LINEARIZABILITY_CHECK_TIMEOUT = 1000;

/** A recorded operation: the checker's shape, with virtual-ms call and return times. */
export type KvOperation = Operation<KvInput, KvOutput>;

/** The history the clients' wrappers record (Go's OpLog). Only operations that returned are recorded. */
export class OpLog {
  private readonly operations: KvOperation[] = [];

  append(op: KvOperation): void {
    this.operations.push(op);
  }

  read(): readonly KvOperation[] {
    return this.operations;
  }
}

/** ck.get(key), counted, and recorded in `log` (if any) as client `cli`. */
export async function get(
  cfg: KvConfig,
  ck: Clerk,
  key: string,
  log: OpLog | null,
  cli: number,
): Promise<string> {
  const call = cfg.sim.now();
  const value = await ck.get(key);
  const ret = cfg.sim.now();
  cfg.op();
  log?.append({ clientId: cli, input: { op: 'get', key }, call, output: { value }, return: ret });
  return value;
}

/** ck.put(key, value), counted, and recorded in `log` (if any) as client `cli`. */
export async function put(
  cfg: KvConfig,
  ck: Clerk,
  key: string,
  value: string,
  log: OpLog | null,
  cli: number,
): Promise<void> {
  const call = cfg.sim.now();
  await ck.put(key, value);
  const ret = cfg.sim.now();
  cfg.op();
  log?.append({ clientId: cli, input: { op: 'put', key, value }, call, output: { value: '' }, return: ret });
}

/** ck.append(key, value), counted, and recorded in `log` (if any) as client `cli`. */
export async function append(
  cfg: KvConfig,
  ck: Clerk,
  key: string,
  value: string,
  log: OpLog | null,
  cli: number,
): Promise<void> {
  const call = cfg.sim.now();
  await ck.append(key, value);
  const ret = cfg.sim.now();
  cfg.op();
  log?.append({
    clientId: cli,
    input: { op: 'append', key, value },
    call,
    output: { value: '' },
    return: ret,
  });
}

/** Reads `key` and fails the test unless it holds `value`. */
export async function check(cfg: KvConfig, ck: Clerk, key: string, value: string): Promise<void> {
  const v = await get(cfg, ck, key, null, -1);
  if (v !== value) cfg.fatal(`Get(${key}): expected:\n${value}\nreceived:\n${v}`);
}

/**
 * Runs `fn` in `ncli` concurrent clients, each with a fresh clerk connected to every server, and waits for all;
 * resolves with what each returned (spawn_clients_and_wait and run_client).
 */
export async function spawnClientsAndWait<T>(
  cfg: KvConfig,
  ncli: number,
  fn: (me: number, ck: Clerk) => Promise<T>,
): Promise<T[]> {
  const clients = Array.from({ length: ncli }, (_, cli) =>
    cfg.go(async () => {
      const ck = cfg.makeClient(cfg.all());
      const result = await fn(cli, ck);
      cfg.deleteClient(ck);
      return result;
    }),
  );
  return Promise.all(clients);
}

/** The effect of Append(k, val) on a value `prev` (NextValue). */
export function nextValue(prev: string, val: string): string {
  return prev + val;
}

/** Checks that client `clnt`'s appends 0..count-1 are each in `v` once, in order (checkClntAppends). */
export function checkClntAppends(cfg: KvConfig, clnt: number, v: string, count: number): void {
  let lastoff = -1;
  for (let j = 0; j < count; j++) {
    const wanted = `x ${clnt} ${j} y`;
    const off = v.indexOf(wanted);
    if (off < 0) cfg.fatal(`${clnt} missing element ${wanted} in Append result ${v}`);
    if (v.lastIndexOf(wanted) !== off) cfg.fatal(`duplicate element ${wanted} in Append result`);
    if (off <= lastoff) cfg.fatal(`wrong order for element ${wanted} in Append result`);
    lastoff = off;
  }
}

/** Checks that every client's appends are in `v` once each, in each client's order (checkConcurrentAppends). */
export function checkConcurrentAppends(cfg: KvConfig, v: string, counts: readonly number[]): void {
  counts.forEach((count, i) => {
    checkClntAppends(cfg, i, v, count);
  });
}

/**
 * Repartitions the servers until `done()`: each server joins one of two groups by coin flip, then the
 * partitioner sleeps an election timeout plus 0-199 ms (partitioner).
 */
export async function partitioner(cfg: KvConfig, done: () => boolean): Promise<void> {
  while (!done()) {
    const a = cfg.all().map(() => cfg.rand.int(2));
    const pa = [0, 1].map((group) => cfg.all().filter((j) => a[j] === group)) as [number[], number[]];
    cfg.partition(pa[0], pa[1]);
    await cfg.sleep(ELECTION_TIMEOUT + cfg.rand.int(200));
  }
}

/**
 * Porcupine's check of a recorded history with the key/value model. An illegal history fails the test with
 * "history is not linearizable" and the checker's account of it, after writing the checker's HTML visualization
 * to a temporary file (as the lab does); a check that runs out of time passes with the lab's info line.
 */
export function checkLinearizable(cfg: KvConfig, log: OpLog): void {
  const result = checkOperations(kvModel, log.read(), { timeoutMs: LINEARIZABILITY_CHECK_TIMEOUT });
  if (result.verdict === 'illegal') {
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'kvraft-')), 'history.html');
      writeFileSync(file, renderViolationHtml(result, kvModel));
      cfg.print(`info: wrote history visualization to ${file}`);
    } catch {
      cfg.print('info: failed to write history visualization');
    }
    cfg.fatal(`history is not linearizable\n${formatViolation(result, kvModel)}`);
  } else if (result.verdict === 'unknown') {
    cfg.print('info: linearizability check timed out, assuming history is ok');
  }
}
