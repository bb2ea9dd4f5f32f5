import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulator } from '../../sim/index.js';
import { encode } from '../labgob.js';
import {
  type CallResult,
  type ClientEnd,
  Network,
  PendingReply,
  Server,
  Service,
  UnknownMethodError,
} from './index.js';

interface EchoArgs {
  id: number;
  payload: string;
  nested: { list: number[] };
}

interface EchoReply {
  id: number;
  echo: string;
  nested: { list: number[] };
}

/** What happened to one call. */
interface Outcome {
  sentAt: number;
  /** Handler runs for this call's id. */
  runs: number;
  handledAt: number;
  result: CallResult | undefined;
  arrivedAt: number;
  callbacks: number;
}

/** A simulated network with one echo server "s" reached through end "e" (connected and enabled). */
class World {
  readonly sim: Simulator;
  readonly net: Network;
  readonly server = new Server();
  readonly end: ClientEnd;
  readonly outcomes: Outcome[] = [];
  /** Every reply object a handler returned, by call id. */
  readonly replies = new Map<number, EchoReply>();
  arrived = 0;
  /** Runs inside the handler, after it has recorded the request. */
  onHandle: ((args: EchoArgs) => void) | undefined;

  constructor(seed: number) {
    this.sim = new Simulator(seed);
    this.net = new Network(this.sim, this.sim.rand.fork());
    this.server.addService(
      new Service('Svc', {
        Echo: (raw) => {
          const args = raw as EchoArgs;
          const outcome = this.outcomes[args.id];
          assert.ok(outcome !== undefined, `handler got an unknown id ${args.id}`);
          outcome.runs++;
          outcome.handledAt = this.sim.now();
          this.onHandle?.(args);
          const reply: EchoReply = {
            id: args.id,
            echo: args.payload,
            nested: { list: [...args.nested.list] },
          };
          this.replies.set(args.id, reply);
          return reply;
        },
      }),
    );
    this.net.addServer('s', this.server);
    this.end = this.net.makeEnd('e');
    this.net.connect('e', 's');
    this.net.enable('e', true);
  }

  /** Sends one call on `end` (default: "e") and records its outcome; returns its id. */
  call(args?: Partial<EchoArgs>, end: ClientEnd = this.end, svcMeth = 'Svc.Echo'): number {
    const id = this.outcomes.length;
    const outcome: Outcome = {
      sentAt: this.sim.now(),
      runs: 0,
      handledAt: -1,
      result: undefined,
      arrivedAt: -1,
      callbacks: 0,
    };
    this.outcomes.push(outcome);
    const full: EchoArgs = { id, payload: args?.payload ?? `p${id}`, nested: args?.nested ?? { list: [id] } };
    end.call(svcMeth, full, (result) => {
      outcome.callbacks++;
      outcome.result = result;
      outcome.arrivedAt = this.sim.now();
      this.arrived++;
    });
    return id;
  }

  /** Runs the simulator until every call so far has had its callback. */
  settle(limitMs = 100_000): void {
    const ok = this.sim.runUntil(() => this.arrived === this.outcomes.length, limitMs);
    assert.ok(ok, `only ${this.arrived} of ${this.outcomes.length} callbacks arrived`);
    // Nothing may arrive twice: drain whatever is left and recheck.
    this.sim.runFor(limitMs);
    for (const [id, o] of this.outcomes.entries()) assert.equal(o.callbacks, 1, `call ${id}: callbacks`);
  }

  outcome(id: number): Outcome {
    const o = this.outcomes[id];
    assert.ok(o !== undefined);
    return o;
  }
}

function within(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(4)} not within ${expected} +- ${tolerance}`,
  );
}

void describe('Network', () => {
  void it('reliable: delivers every call with no delay, and runs every handler once', () => {
    const w = new World(1);
    const n = 10_000;
    for (let k = 0; k < n; k++) {
      w.call();
      if (k % 100 === 99) w.sim.runFor(1); // Spread the calls over time a little.
    }
    w.settle();
    for (const [id, o] of w.outcomes.entries()) {
      assert.equal(o.runs, 1, `call ${id}: handler runs`);
      assert.equal(o.handledAt, o.sentAt, `call ${id}: request delay`);
      assert.equal(o.arrivedAt, o.sentAt, `call ${id}: reply delay`);
      assert.deepEqual(o.result, { ok: true, reply: w.replies.get(id) });
    }
    assert.equal(w.server.getCount(), n);
  });

  void it('never runs a handler or a callback inside call()', () => {
    const w = new World(2);
    w.call();
    assert.equal(w.outcome(0).runs, 0);
    assert.equal(w.arrived, 0);
    w.settle();
    assert.equal(w.outcome(0).result?.ok, true);
  });

  void it('unreliable: drops 10% of requests and 10% of replies, and delays requests 0..26 ms', () => {
    const w = new World(3);
    w.net.reliable(false);
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      w.call();
      if (k % 50 === 49) w.sim.runFor(3);
    }
    w.settle();

    let requestDrops = 0;
    let replyDrops = 0;
    let delivered = 0;
    let delaySum = 0;
    let minDelay = Infinity;
    let maxDelay = -Infinity;
    for (const [id, o] of w.outcomes.entries()) {
      const result = o.result;
      assert.ok(result !== undefined);
      assert.ok(o.runs <= 1, `call ${id}: handler ran ${o.runs} times`);
      if (o.runs === 0) {
        // A lost request never reaches the handler and fails after the short delay.
        assert.equal(result.ok, false, `call ${id}: ok without its handler running`);
        requestDrops++;
        const failDelay = o.arrivedAt - o.sentAt;
        assert.ok(
          failDelay >= 0 && failDelay <= 26,
          `call ${id}: dropped request failed after ${failDelay} ms`,
        );
        continue;
      }
      const delay = o.handledAt - o.sentAt;
      assert.ok(
        Number.isInteger(delay) && delay >= 0 && delay <= 26,
        `call ${id}: request delay ${delay} ms`,
      );
      delaySum += delay;
      minDelay = Math.min(minDelay, delay);
      maxDelay = Math.max(maxDelay, delay);
      // Without long reordering, a reply (or its loss) is known as soon as the handler returns.
      assert.equal(o.arrivedAt, o.handledAt, `call ${id}: reply delay`);
      if (result.ok) {
        delivered++;
        assert.deepEqual(result.reply, w.replies.get(id));
      } else {
        replyDrops++;
      }
    }
    const handled = n - requestDrops;
    assert.equal(handled, delivered + replyDrops);
    assert.equal(w.server.getCount(), handled);
    within(requestDrops / n, 0.1, 0.015, 'request drop rate');
    within(replyDrops / handled, 0.1, 0.015, 'reply drop rate among handled requests');
    // The short delay spans its whole range, roughly uniformly.
    assert.equal(minDelay, 0);
    assert.equal(maxDelay, 26);
    within(delaySum / handled, 13, 0.5, 'mean request delay');
  });

  void it('long reordering: about 2/3 of replies arrive 200..2200 ms late, the rest at once', () => {
    const w = new World(4);
    w.net.longReordering(true);
    const n = 12_000;
    for (let k = 0; k < n; k++) w.call();
    w.settle();

    let late = 0;
    let lateSum = 0;
    let maxLate = 0;
    for (const [id, o] of w.outcomes.entries()) {
      assert.equal(o.runs, 1, `call ${id}: handler runs`);
      assert.equal(o.handledAt, o.sentAt, `call ${id}: a reliable request was delayed`);
      assert.deepEqual(o.result, { ok: true, reply: w.replies.get(id) }, `call ${id}: reliable reply lost`);
      const delay = o.arrivedAt - o.handledAt;
      if (delay === 0) continue;
      late++;
      lateSum += delay;
      maxLate = Math.max(maxLate, delay);
      assert.ok(delay >= 200 && delay <= 2200, `call ${id}: late reply after ${delay} ms`);
    }
    within(late / n, 2 / 3, 0.03, 'late reply fraction');
    // 200 + rand(0..rand(0..1999)): mean about 700 ms, and a long tail toward 2.2 s.
    within(lateSum / late, 700, 50, 'mean late delay');
    assert.ok(maxLate > 1500, `the longest late reply took only ${maxLate} ms`);
  });

  void it('reorders replies: a later call can be answered first', () => {
    const w = new World(5);
    w.net.longReordering(true);
    for (let k = 0; k < 100; k++) w.call();
    const order: number[] = [];
    const sim = w.sim;
    sim.runUntil(() => {
      order.length = 0;
      const arrived = w.outcomes
        .map((o, id) => ({ id, at: o.arrivedAt }))
        .filter((x) => x.at >= 0)
        .sort((a, b) => a.at - b.at);
      for (const x of arrived) order.push(x.id);
      return w.arrived === 100;
    }, 10_000);
    const sorted = [...order].sort((a, b) => a - b);
    assert.notDeepEqual(order, sorted);
  });

  const deadPeerCases: { name: string; setup: (w: World) => ClientEnd }[] = [
    {
      name: 'a disabled end',
      setup: (w) => {
        w.net.enable('e', false);
        return w.end;
      },
    },
    {
      name: 'a deleted server',
      setup: (w) => {
        w.net.deleteServer('s');
        return w.end;
      },
    },
    {
      name: 'a new end never enabled',
      setup: (w) => {
        const end = w.net.makeEnd('fresh');
        w.net.connect('fresh', 's');
        return end;
      },
    },
    {
      name: 'an end connected to a server name never added',
      setup: (w) => {
        const end = w.net.makeEnd('nowhere');
        w.net.connect('nowhere', 'ghost');
        w.net.enable('nowhere', true);
        return end;
      },
    },
  ];
  for (const { name, setup } of deadPeerCases) {
    for (const longDelays of [true, false]) {
      const limit = longDelays ? 7000 : 100;
      void it(`${name}: calls fail without running the handler, within 0..${limit} ms (long delays ${longDelays ? 'on' : 'off'})`, () => {
        const w = new World(6);
        w.net.longDelays(longDelays);
        const end = setup(w);
        const n = 10_000;
        for (let k = 0; k < n; k++) w.call({}, end);
        w.settle();
        let max = 0;
        let min = Infinity;
        for (const [id, o] of w.outcomes.entries()) {
          assert.equal(o.runs, 0, `call ${id}: the handler ran`);
          assert.deepEqual(o.result, { ok: false });
          const delay = o.arrivedAt - o.sentAt;
          assert.ok(delay >= 0 && delay < limit, `call ${id}: failed after ${delay} ms`);
          max = Math.max(max, delay);
          min = Math.min(min, delay);
        }
        assert.equal(w.server.getCount(), 0);
        // The failure delay really spans its range.
        assert.ok(max >= limit * 0.95, `longest failure delay ${max} ms`);
        assert.ok(min <= limit * 0.05, `shortest failure delay ${min} ms`);
        assert.equal(w.net.getTotalCount(), n);
      });
    }
  }

  void it('deleteServer while the handler runs makes the call fail, though the handler ran', () => {
    const w = new World(7);
    w.onHandle = () => {
      w.net.deleteServer('s');
    };
    const id = w.call();
    w.settle();
    assert.equal(w.outcome(id).runs, 1);
    assert.deepEqual(w.outcome(id).result, { ok: false });
    assert.equal(w.outcome(id).arrivedAt, w.outcome(id).handledAt);
  });

  void it('replacing the server while the handler runs makes the call fail', () => {
    const w = new World(8);
    w.onHandle = () => {
      w.net.addServer('s', new Server());
    };
    const id = w.call();
    w.settle();
    assert.equal(w.outcome(id).runs, 1);
    assert.deepEqual(w.outcome(id).result, { ok: false });
  });

  void it('disabling the end while the handler runs makes the call fail', () => {
    const w = new World(9);
    w.onHandle = () => {
      w.net.enable('e', false);
    };
    const id = w.call();
    w.settle();
    assert.equal(w.outcome(id).runs, 1);
    assert.deepEqual(w.outcome(id).result, { ok: false });
  });

  void it('deleteServer while requests are delayed (unreliable) fails every one of them, handled or not', () => {
    const w = new World(10);
    w.net.reliable(false);
    const n = 2000;
    for (let k = 0; k < n; k++) w.call();
    w.sim.runFor(10); // Some requests have been handled, some are still in their 0..26 ms delay.
    const handledEarly = w.outcomes.filter((o) => o.runs > 0).length;
    assert.ok(handledEarly > 0 && handledEarly < n);
    w.net.deleteServer('s');
    const arrivedBefore = new Set(w.outcomes.flatMap((o, id) => (o.result === undefined ? [] : [id])));
    w.settle();
    for (const [id, o] of w.outcomes.entries()) {
      if (arrivedBefore.has(id)) continue;
      assert.deepEqual(o.result, { ok: false }, `call ${id} succeeded after its server was deleted`);
    }
  });

  void it('a long-reordered reply already in flight when the server is deleted is still delivered (as in labrpc)', () => {
    // labrpc checks for a dead server only until the handler returns; a reply it has chosen to delay is then sent
    // by time.AfterFunc whatever happens to the server (spec section 3: "After the handler returns: if the server
    // is now dead -> false; ... else if long reordering is on ... delivered after 200 + ... ms").
    const w = new World(11);
    w.net.longReordering(true);
    for (let k = 0; k < 300; k++) w.call();
    w.sim.runFor(0); // Every handler has run; about 2/3 of the replies are in flight.
    assert.ok(w.outcomes.every((o) => o.runs === 1));
    const inFlight = w.outcomes.flatMap((o, id) => (o.result === undefined ? [id] : []));
    assert.ok(inFlight.length > 150, `only ${inFlight.length} replies in flight`);
    w.net.deleteServer('s');
    w.settle();
    for (const id of inFlight) assert.equal(w.outcome(id).result?.ok, true, `in-flight reply ${id} was lost`);
  });

  void it('getCount counts the requests dispatched to that server only', () => {
    const w = new World(12);
    w.net.reliable(false);
    const other = new Server();
    let otherRuns = 0;
    other.addService(
      new Service('Svc', {
        Echo: () => {
          otherRuns++;
          return null;
        },
      }),
    );
    w.net.addServer('t', other);
    const toOther = w.net.makeEnd('e2');
    w.net.connect('e2', 't');
    w.net.enable('e2', true);
    const disabled = w.net.makeEnd('e3');
    w.net.connect('e3', 's');

    for (let k = 0; k < 3000; k++) w.call();
    for (let k = 0; k < 1000; k++) w.call({}, toOther);
    for (let k = 0; k < 500; k++) w.call({}, disabled);
    w.settle();

    const runsOnS = w.outcomes.reduce((sum, o) => sum + o.runs, 0);
    assert.ok(runsOnS < 3000, 'no request to s was dropped: the test proves nothing');
    assert.equal(w.net.getCount('s'), runsOnS);
    assert.equal(w.net.getCount('t'), otherRuns);
    assert.ok(otherRuns > 800 && otherRuns < 1000);
    assert.equal(w.net.getCount('nobody'), 0);
  });

  void it('getTotalCount counts every call, delivered or not, as it is made', () => {
    const w = new World(13);
    w.net.reliable(false);
    const disabled = w.net.makeEnd('off');
    w.net.connect('off', 's');
    for (let k = 0; k < 700; k++) w.call();
    for (let k = 0; k < 300; k++) w.call({}, disabled);
    assert.equal(w.net.getTotalCount(), 1000);
    w.net.deleteServer('s');
    for (let k = 0; k < 200; k++) w.call();
    assert.equal(w.net.getTotalCount(), 1200);
    w.settle();
    assert.equal(w.net.getTotalCount(), 1200);
  });

  void it('getTotalBytes is the encoded size of every request sent plus every reply delivered', () => {
    const w = new World(14);
    w.net.reliable(false);
    w.net.longReordering(true);
    const rand = w.sim.rand.fork();
    const disabled = w.net.makeEnd('off');
    w.net.connect('off', 's');
    const argsById: EchoArgs[] = [];
    const n = 10_000;
    let requestBytes = 0;
    for (let k = 0; k < n; k++) {
      const payload = 'x'.repeat(rand.int(300));
      const nested = { list: Array.from({ length: rand.int(20) }, () => rand.int(1_000_000)) };
      const id = w.call({ payload, nested }, rand.int(10) === 0 ? disabled : w.end);
      const args: EchoArgs = { id, payload, nested };
      argsById[id] = args;
      requestBytes += encode(args).byteLength;
    }
    // Requests are counted when sent; no reply has been delivered yet.
    assert.equal(w.net.getTotalBytes(), requestBytes);
    w.settle();
    let replyBytes = 0;
    let delivered = 0;
    for (const [id, o] of w.outcomes.entries()) {
      if (o.result?.ok !== true) continue;
      delivered++;
      const reply = w.replies.get(id);
      assert.ok(reply !== undefined);
      replyBytes += encode(reply).byteLength;
    }
    assert.ok(delivered > n / 2 && delivered < n);
    assert.equal(w.net.getTotalBytes(), requestBytes + replyBytes);
  });

  void it('arguments cross the network as copies', () => {
    const w = new World(15);
    let seen: EchoArgs | undefined;
    w.onHandle = (args) => {
      seen = structuredClone(args);
      args.payload = 'mutated by handler';
      args.nested.list.push(999);
    };
    const args = { payload: 'original', nested: { list: [1, 2] } };
    w.call(args);
    // The caller changes its object after sending: the request already left.
    args.payload = 'mutated by caller';
    args.nested.list.push(7);
    w.settle();
    assert.deepEqual(seen, { id: 0, payload: 'original', nested: { list: [1, 2] } });
    assert.deepEqual(args, { payload: 'mutated by caller', nested: { list: [1, 2, 7] } });
  });

  void it('the same argument object sent twice reaches the handler as two distinct objects', () => {
    const w = new World(16);
    const received: EchoArgs[] = [];
    w.onHandle = (args) => {
      received.push(args);
    };
    const nested = { list: [1] };
    w.call({ nested });
    w.call({ nested });
    w.settle();
    const [a, b] = received;
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(a.nested, b.nested);
    assert.notEqual(a.nested, nested);
  });

  void it('replies cross the network as copies', () => {
    const w = new World(17);
    const id = w.call({ payload: 'hello', nested: { list: [1, 2, 3] } });
    w.settle();
    const result = w.outcome(id).result;
    assert.ok(result?.ok === true);
    const received = result.reply as EchoReply;
    const kept = w.replies.get(id);
    assert.ok(kept !== undefined);
    assert.notEqual(received, kept);
    // The caller's changes do not reach the server's object, and vice versa.
    received.nested.list.push(4);
    received.echo = 'changed by caller';
    assert.deepEqual(kept, { id, echo: 'hello', nested: { list: [1, 2, 3] } });
    kept.nested.list.length = 0;
    assert.deepEqual(received.nested.list, [1, 2, 3, 4]);
  });

  void it('a reply the handler changes after returning is delivered as it was returned', () => {
    const w = new World(18);
    w.net.longReordering(true);
    for (let k = 0; k < 30; k++) w.call({ payload: 'v' });
    w.sim.runFor(0); // All handlers ran; many replies are still in flight.
    for (const reply of w.replies.values()) reply.echo = 'changed later';
    w.settle();
    for (const [id, o] of w.outcomes.entries()) {
      assert.ok(o.result?.ok === true);
      assert.equal((o.result.reply as EchoReply).echo, 'v', `call ${id}`);
    }
  });

  for (const svcMeth of [
    'Svc.Nope',
    'Other.Echo',
    'Echo',
    'Svc.toString',
    'Svc.constructor',
    'Svc.__proto__',
  ]) {
    void it(`an unknown method (${svcMeth}) throws UnknownMethodError`, () => {
      const w = new World(19);
      w.call({}, w.end, svcMeth);
      assert.throws(
        () => {
          w.sim.runFor(0);
        },
        (e: unknown) => {
          assert.ok(e instanceof UnknownMethodError, `not an UnknownMethodError: ${String(e)}`);
          assert.equal(e.name, 'UnknownMethodError');
          assert.ok(e.message.includes(svcMeth), e.message);
          assert.ok(e.message.includes('Svc'), `the message does not list the known services: ${e.message}`);
          return true;
        },
      );
      assert.equal(w.outcome(0).runs, 0);
    });
  }

  void it('rejects a duplicate end name and an unknown end', () => {
    const w = new World(20);
    assert.throws(() => w.net.makeEnd('e'), /already exists/);
    assert.throws(() => {
      w.net.connect('missing', 's');
    }, /no end named missing/);
    assert.throws(() => {
      w.net.enable('missing', true);
    }, /no end named missing/);
  });

  void it('the same seed gives the same fates to the same calls', () => {
    const fates = (seed: number): string => {
      const w = new World(seed);
      w.net.reliable(false);
      w.net.longReordering(true);
      for (let k = 0; k < 2000; k++) w.call();
      w.settle();
      return w.outcomes.map((o) => `${o.runs}:${o.handledAt}:${o.arrivedAt}:${o.result?.ok}`).join(',');
    };
    assert.equal(fates(21), fates(21));
    assert.notEqual(fates(21), fates(22));
  });

  void it('a handler may answer later with a PendingReply; the caller gets the reply when it is resolved', () => {
    const sim = new Simulator(1);
    const net = new Network(sim, sim.rand.fork());
    const pending: PendingReply[] = [];
    const server = new Server();
    server.addService(
      new Service('Svc', {
        Later: () => {
          const reply = new PendingReply();
          pending.push(reply);
          return reply;
        },
      }),
    );
    net.addServer('s', server);
    const end = net.makeEnd('e');
    net.connect('e', 's');
    net.enable('e', true);
    const results: { at: number; result: CallResult }[] = [];
    end.call('Svc.Later', {}, (result) => results.push({ at: sim.now(), result }));
    sim.runFor(1000);
    assert.equal(pending.length, 1);
    assert.deepEqual(results, []); // still waiting: a live server's call has no timeout
    sim.schedule(0, () => {
      pending[0]?.resolve({ v: 1 });
      pending[0]?.resolve({ v: 2 }); // only the first answer counts
    });
    sim.runFor(10);
    assert.deepEqual(results, [{ at: 1000, result: { ok: true, reply: { v: 1 } } }]);
  });

  void it('a call whose handler is still waiting fails within 100 ms of its server being deleted', () => {
    const sim = new Simulator(1);
    const net = new Network(sim, sim.rand.fork());
    const server = new Server();
    const pending: PendingReply[] = [];
    server.addService(new Service('Svc', { Later: () => pending[pending.push(new PendingReply()) - 1] }));
    net.addServer('s', server);
    const end = net.makeEnd('e');
    net.connect('e', 's');
    net.enable('e', true);
    const results: { at: number; result: CallResult }[] = [];
    end.call('Svc.Later', {}, (result) => results.push({ at: sim.now(), result }));
    sim.runFor(250);
    net.deleteServer('s');
    sim.runFor(100);
    assert.equal(results.length, 1);
    const [failed] = results;
    assert.ok(failed !== undefined);
    assert.deepEqual(failed.result, { ok: false });
    assert.ok(failed.at <= 350, `failed at ${failed.at}`);
    pending[0]?.resolve({ late: true }); // the dead server's late answer goes nowhere
    sim.runFor(100);
    assert.equal(results.length, 1);
  });

  void it('latency delays every request by minMs..maxMs, and is off by default', () => {
    const arrivals = (latency: { minMs: number; maxMs: number } | null): number[] => {
      const w = new World(5);
      w.net.latency(latency);
      for (let k = 0; k < 200; k++) w.call();
      w.settle();
      return w.outcomes.map((o) => o.handledAt - o.sentAt);
    };
    assert.ok(arrivals(null).every((d) => d === 0));
    const delays = arrivals({ minMs: 5, maxMs: 10 });
    assert.equal(Math.min(...delays), 5);
    assert.equal(Math.max(...delays), 10);
    const w = new World(1);
    assert.throws(() => {
      w.net.latency({ minMs: 3, maxMs: 2 });
    }, RangeError);
  });
});
