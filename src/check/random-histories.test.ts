import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Prng } from '../sim/index.js';
import { casRegisterModel, type CasInput, type CasOutput } from './cas-register-model.js';
import { checkOperations } from './check.js';
import { kvModel, type KvInput, type KvOutput } from './kv-model.js';
import type { Operation } from './model.js';

/** An operation of a generated history, with the instant at which the generator made it take effect. */
interface Timed<I> {
  readonly clientId: number;
  readonly input: I;
  readonly call: number;
  readonly return: number;
  /** When it takes effect, inside [call, return]; undefined for one that never does. */
  readonly at: number | undefined;
}

/**
 * Clients issuing one operation at a time with random gaps and random durations, so that intervals overlap in
 * every way; each operation takes effect at a random instant inside its interval (or, for an operation whose
 * reply is lost, at a random instant after its call, or never). Running them through a correct sequential store
 * in the order of those instants gives the outputs: the history is linearizable by construction.
 */
function timedOperations<I>(
  prng: Prng,
  clients: number,
  opsPerClient: number,
  input: (client: number, k: number) => I,
  lostRate: number,
): Timed<I>[] {
  const timed: Timed<I>[] = [];
  for (let client = 0; client < clients; client++) {
    let t = prng.int(5);
    for (let k = 0; k < opsPerClient; k++) {
      const call = t;
      const ret = call + 1 + prng.int(20);
      if (prng.float() < lostRate) {
        // The client gives up and never hears back; a lost operation ends its client, as in Jepsen.
        const at = prng.float() < 0.5 ? undefined : call + prng.float() * 200;
        timed.push({ clientId: client, input: input(client, k), call, return: Number.POSITIVE_INFINITY, at });
        break;
      }
      timed.push({
        clientId: client,
        input: input(client, k),
        call,
        return: ret,
        at: call + prng.float() * (ret - call),
      });
      t = ret + prng.int(6);
    }
  }
  return timed;
}

function inEffectOrder<I>(timed: readonly Timed<I>[]): Timed<I>[] {
  return timed.filter((op) => op.at !== undefined).sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
}

function randomKvHistory(prng: Prng): Operation<KvInput, KvOutput>[] {
  const keys = ['a', 'b', 'c'].slice(0, 1 + prng.int(3));
  const timed = timedOperations(
    prng,
    2 + prng.int(5),
    5 + prng.int(20),
    (client, k): KvInput => {
      const key = keys[prng.int(keys.length)] ?? 'a';
      const roll = prng.float();
      if (roll < 0.4) return { op: 'get', key };
      if (roll < 0.55) return { op: 'put', key, value: `<${client}.${k}>` };
      if (roll < 0.9) return { op: 'append', key, value: `<${client}.${k}>` };
      return { op: 'delete', key };
    },
    0.03,
  );
  const store = new Map<string, string>();
  const outputs = new Map<Timed<KvInput>, KvOutput>();
  for (const op of inEffectOrder(timed)) {
    const { key, value = '' } = op.input;
    const before = store.get(key) ?? '';
    if (op.input.op === 'put') store.set(key, value);
    if (op.input.op === 'append') store.set(key, before + value);
    if (op.input.op === 'delete') store.delete(key);
    outputs.set(op, { value: op.input.op === 'get' ? before : '' });
  }
  return timed.map((op) => ({
    clientId: op.clientId,
    input: op.input,
    call: op.call,
    return: op.return,
    output:
      op.return === Number.POSITIVE_INFINITY
        ? { value: '', unknown: true }
        : (outputs.get(op) ?? { value: '' }),
  }));
}

function randomCasHistory(prng: Prng): Operation<CasInput, CasOutput>[] {
  const timed = timedOperations(
    prng,
    2 + prng.int(4),
    5 + prng.int(15),
    (): CasInput => {
      const roll = prng.float();
      if (roll < 0.4) return { f: 'read' };
      if (roll < 0.7) return { f: 'write', value: prng.int(5) };
      return { f: 'cas', from: prng.int(5), to: prng.int(5) };
    },
    0.1,
  );
  let register: number | null = null;
  const outputs = new Map<Timed<CasInput>, CasOutput>();
  for (const op of inEffectOrder(timed)) {
    const input = op.input;
    if (input.f === 'read') outputs.set(op, { type: 'ok', value: register });
    if (input.f === 'write') {
      register = input.value;
      outputs.set(op, { type: 'ok' });
    }
    if (input.f === 'cas') {
      const matches = register === input.from;
      if (matches) register = input.to;
      outputs.set(op, { type: matches ? 'ok' : 'fail' });
    }
  }
  return timed.map((op) => ({
    clientId: op.clientId,
    input: op.input,
    call: op.call,
    return: op.return,
    output:
      op.return === Number.POSITIVE_INFINITY ? { type: 'unknown' } : (outputs.get(op) ?? { type: 'unknown' }),
  }));
}

describe('randomly generated histories of a correct store', () => {
  test('every key-value history is linearizable (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const history = randomKvHistory(new Prng(seed));
      const result = checkOperations(kvModel, history, { timeoutMs: 10_000 });
      assert.equal(result.verdict, 'ok', `seed ${seed}: ${history.length} operations`);
    }
  });

  test('every compare-and-set register history is linearizable (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const history = randomCasHistory(new Prng(seed));
      const result = checkOperations(casRegisterModel, history, { timeoutMs: 10_000 });
      assert.equal(result.verdict, 'ok', `seed ${seed}: ${history.length} operations`);
    }
  });

  test('a read corrupted to a value no order can give makes the history illegal, and is the one reported', () => {
    let corrupted = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const history = randomKvHistory(new Prng(seed));
      const target = history.findIndex((op) => op.input.op === 'get' && op.output.unknown !== true);
      const victim = history[target];
      if (victim === undefined) continue;
      corrupted++;
      const bad = history.with(target, { ...victim, output: { value: `${victim.output.value}<never>` } });
      const result = checkOperations(kvModel, bad, { timeoutMs: 10_000 });
      assert.equal(result.verdict, 'illegal', `seed ${seed}`);
      const piece = result.partitions.find((p) => p.verdict === 'illegal');
      const blocked = piece?.violation ? piece.operations[piece.violation.blocked] : undefined;
      assert.equal(blocked?.output.value, `${victim.output.value}<never>`, `seed ${seed}`);
    }
    assert.ok(corrupted > 150);
  });
});
