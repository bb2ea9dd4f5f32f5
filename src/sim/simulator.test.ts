import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Simulator, type TimerHandle } from './simulator.js';

/**
 * A small randomized workload: events that record themselves, spawn further events after random delays (often
 * equal ones, to exercise tie-breaking), and sometimes cancel a pending event. Returns the sha256 of the trace.
 */
function runWorkload(seed: number): { hash: string; events: number; endTime: number } {
  const sim = new Simulator(seed);
  const rand = sim.rand;
  const trace: string[] = [];
  const pending: TimerHandle[] = [];
  let nextLabel = 0;
  let spawned = 0;

  const spawn = (parent: string): void => {
    if (spawned >= 5000) return;
    spawned++;
    const label = `${parent}>${nextLabel++}`;
    const delay = rand.int(4) === 0 ? 0 : rand.int(50);
    pending.push(
      sim.schedule(delay, () => {
        trace.push(`${sim.now()} ${label}`);
        const children = rand.int(3);
        for (let k = 0; k < children; k++) spawn(label);
        if (rand.int(10) === 0 && pending.length > 0) {
          const victim = pending[rand.int(pending.length)];
          if (victim !== undefined) sim.cancel(victim);
        }
      }),
    );
  };
  for (let k = 0; k < 20; k++) spawn('root');
  while (sim.step()) {
    // Run to quiescence.
  }
  const hash = createHash('sha256').update(trace.join('\n')).digest('hex');
  return { hash, events: trace.length, endTime: sim.now() };
}

void describe('Simulator', () => {
  void it('produces the identical event trace for the same seed', () => {
    const a = runWorkload(1234);
    const b = runWorkload(1234);
    assert.ok(a.events > 1000, `workload too small to mean anything: ${a.events} events`);
    assert.equal(a.hash, b.hash);
    assert.equal(a.events, b.events);
    assert.equal(a.endTime, b.endTime);
  });

  void it('produces different traces for different seeds', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((seed) => runWorkload(seed).hash));
    assert.equal(hashes.size, 5);
  });

  void it('starts at time 0 and runs events in time order', () => {
    const sim = new Simulator(1);
    assert.equal(sim.now(), 0);
    const seen: number[] = [];
    for (const d of [30, 10, 20, 0, 15]) sim.schedule(d, () => seen.push(sim.now()));
    while (sim.step()) {
      // drain
    }
    assert.deepEqual(seen, [0, 10, 15, 20, 30]);
    assert.equal(sim.now(), 30);
    assert.equal(sim.step(), false);
  });

  void it('runs events at equal times in scheduling order', () => {
    const sim = new Simulator(1);
    const order: number[] = [];
    for (let k = 0; k < 100; k++) sim.schedule(5, () => order.push(k));
    sim.runFor(5);
    assert.deepEqual(
      order,
      Array.from({ length: 100 }, (_, k) => k),
    );
  });

  void it('runs a zero-delay event scheduled during an event after the ones already due at that time', () => {
    const sim = new Simulator(1);
    const order: string[] = [];
    sim.schedule(10, () => {
      order.push('a');
      sim.schedule(0, () => order.push('a-child'));
    });
    sim.schedule(10, () => order.push('b'));
    sim.schedule(10, () => order.push('c'));
    sim.runFor(10);
    assert.deepEqual(order, ['a', 'b', 'c', 'a-child']);
  });

  void it('orders many randomly timed events by (time, scheduling order)', () => {
    // Exercises the heap: many events on few distinct times, pushed and popped interleaved.
    const sim = new Simulator(7);
    const ran: { at: number; id: number }[] = [];
    let id = 0;
    const add = (delay: number): void => {
      const mine = id++;
      sim.schedule(delay, () => {
        ran.push({ at: sim.now(), id: mine });
        if (mine < 3000) {
          add(sim.rand.int(5));
          if (sim.rand.int(2) === 0) add(sim.rand.int(5));
        }
      });
    };
    for (let k = 0; k < 50; k++) add(sim.rand.int(5));
    while (sim.step()) {
      // drain
    }
    assert.ok(ran.length > 3000);
    for (let k = 1; k < ran.length; k++) {
      const prev = ran[k - 1];
      const cur = ran[k];
      assert.ok(prev !== undefined && cur !== undefined);
      assert.ok(
        prev.at < cur.at || (prev.at === cur.at && prev.id < cur.id),
        `event ${cur.id}@${cur.at} ran after ${prev.id}@${prev.at}`,
      );
    }
  });

  void it('cancel stops an event from running', () => {
    const sim = new Simulator(1);
    const ran: string[] = [];
    sim.schedule(10, () => ran.push('keep1'));
    const h = sim.schedule(10, () => ran.push('cancelled'));
    sim.schedule(10, () => ran.push('keep2'));
    sim.cancel(h);
    sim.runFor(100);
    assert.deepEqual(ran, ['keep1', 'keep2']);
  });

  void it('cancel from inside an earlier event at the same time works', () => {
    const sim = new Simulator(1);
    const ran: string[] = [];
    const later = sim.schedule(5, () => ran.push('later'));
    sim.schedule(0, () => {
      sim.cancel(later);
      ran.push('canceller');
    });
    sim.runFor(10);
    assert.deepEqual(ran, ['canceller']);
  });

  void it('a cancelled event is invisible to nextEventTime and step', () => {
    const sim = new Simulator(1);
    const h = sim.schedule(5, () => assert.fail('cancelled event ran'));
    sim.schedule(8, () => undefined);
    assert.equal(sim.nextEventTime(), 5);
    sim.cancel(h);
    assert.equal(sim.nextEventTime(), 8);
    assert.equal(sim.step(), true);
    assert.equal(sim.now(), 8);
    assert.equal(sim.step(), false);
    assert.equal(sim.nextEventTime(), undefined);
  });

  void it('cancelling an event that already ran does nothing', () => {
    const sim = new Simulator(1);
    let count = 0;
    const h = sim.schedule(1, () => count++);
    sim.runFor(1);
    sim.cancel(h);
    sim.schedule(1, () => count++);
    sim.runFor(5);
    assert.equal(count, 2);
  });

  void it('runFor advances the clock to exactly now + ms, running events due up to and including then', () => {
    const sim = new Simulator(1);
    const ran: number[] = [];
    for (const d of [10, 49, 50, 51, 200]) sim.schedule(d, () => ran.push(d));
    sim.runFor(50);
    assert.equal(sim.now(), 50);
    assert.deepEqual(ran, [10, 49, 50]);
    sim.runFor(0);
    assert.equal(sim.now(), 50);
    assert.deepEqual(ran, [10, 49, 50]);
    sim.runFor(25);
    assert.equal(sim.now(), 75);
    assert.deepEqual(ran, [10, 49, 50, 51]);
    // With nothing due, the clock still moves exactly.
    const empty = new Simulator(1);
    empty.runFor(123.5);
    assert.equal(empty.now(), 123.5);
  });

  void it('runFor runs events that events schedule within the window, and not beyond', () => {
    const sim = new Simulator(1);
    const ran: number[] = [];
    const tick = (): void => {
      ran.push(sim.now());
      sim.schedule(30, tick);
    };
    sim.schedule(0, tick);
    sim.runFor(100);
    assert.deepEqual(ran, [0, 30, 60, 90]);
    assert.equal(sim.now(), 100);
    assert.equal(sim.nextEventTime(), 120);
  });

  void it('runUntil stops as soon as the predicate holds', () => {
    const sim = new Simulator(1);
    let count = 0;
    for (let k = 1; k <= 10; k++) sim.schedule(k * 10, () => count++);
    assert.equal(
      sim.runUntil(() => count >= 3, 1000),
      true,
    );
    assert.equal(count, 3);
    assert.equal(sim.now(), 30);
    assert.equal(sim.nextEventTime(), 40);
  });

  void it('runUntil runs nothing when the predicate already holds', () => {
    const sim = new Simulator(1);
    let ran = false;
    sim.schedule(0, () => (ran = true));
    assert.equal(
      sim.runUntil(() => true, 1000),
      true,
    );
    assert.equal(ran, false);
    assert.equal(sim.now(), 0);
  });

  void it('runUntil respects its limit: returns false and leaves the clock at now + limit', () => {
    const sim = new Simulator(1);
    sim.runFor(7);
    const ran: number[] = [];
    for (const d of [10, 50, 51, 60]) sim.schedule(d, () => ran.push(d));
    assert.equal(
      sim.runUntil(() => false, 50),
      false,
    );
    assert.equal(sim.now(), 57);
    assert.deepEqual(ran, [10, 50]);
  });

  void it('runUntil reports a predicate that became true at the limit', () => {
    const sim = new Simulator(1);
    let done = false;
    sim.schedule(20, () => (done = true));
    assert.equal(
      sim.runUntil(() => done, 20),
      true,
    );
    assert.equal(sim.now(), 20);
  });

  void it('schedule rejects negative, NaN and infinite delays, and schedules nothing', () => {
    const sim = new Simulator(1);
    for (const bad of [-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(
        () => sim.schedule(bad, () => assert.fail('bad event ran')),
        (e: unknown) => e instanceof RangeError,
        `delay ${bad}`,
      );
    }
    assert.equal(sim.nextEventTime(), undefined);
    assert.equal(sim.step(), false);
  });

  void it('an event that throws propagates out of step, and the clock stays at its time', () => {
    const sim = new Simulator(1);
    const boom = new Error('boom');
    sim.schedule(5, () => {
      throw boom;
    });
    sim.schedule(6, () => undefined);
    assert.throws(
      () => {
        sim.runFor(10);
      },
      (e: unknown) => e === boom,
    );
    assert.equal(sim.now(), 5);
    assert.equal(sim.nextEventTime(), 6);
  });

  void it('runs the observer after every event, with the clock at that event, and not for cancelled ones', () => {
    const sim = new Simulator(1);
    const seen: string[] = [];
    let last = '';
    sim.setObserver(() => seen.push(`${sim.now()}:${last}`));
    sim.schedule(3, () => (last = 'a'));
    sim.cancel(sim.schedule(4, () => (last = 'cancelled')));
    sim.schedule(5, () => {
      last = 'b';
      sim.schedule(0, () => (last = 'c'));
    });
    sim.runFor(10);
    assert.deepEqual(seen, ['3:a', '5:b', '5:c']);
    sim.setObserver(null);
    sim.schedule(1, () => (last = 'd'));
    sim.runFor(1);
    assert.equal(seen.length, 3);
  });

  void it('an observer that throws propagates out of step after its event ran', () => {
    const sim = new Simulator(1);
    const boom = new Error('observer');
    let ran = false;
    sim.setObserver(() => {
      throw boom;
    });
    sim.schedule(2, () => (ran = true));
    assert.throws(
      () => sim.step(),
      (e: unknown) => e === boom,
    );
    assert.equal(ran, true);
    assert.equal(sim.now(), 2);
  });

  // Regression: runFor(-10) once moved the clock backwards and runFor(NaN) ran every pending event, leaving
  // now() === NaN. A bad duration gets a clear error and changes nothing, as schedule() does for a bad delay.
  void it('runFor rejects a negative or NaN duration without moving the clock', () => {
    for (const bad of [-10, Number.NaN]) {
      const sim = new Simulator(1);
      sim.runFor(20);
      let ran = false;
      sim.schedule(1000, () => (ran = true));
      assert.throws(
        () => {
          sim.runFor(bad);
        },
        (e: unknown) => e instanceof RangeError,
        `runFor(${bad})`,
      );
      assert.equal(sim.now(), 20, `runFor(${bad}) moved the clock`);
      assert.equal(ran, false, `runFor(${bad}) ran an event due at 1020`);
    }
  });

  // Regression: runUntil(predicate, NaN) once ran every pending event and left now() === NaN.
  void it('runUntil rejects a NaN limit without running anything', () => {
    const sim = new Simulator(1);
    sim.runFor(20);
    let ran = false;
    sim.schedule(1000, () => (ran = true));
    assert.throws(
      () => sim.runUntil(() => false, Number.NaN),
      (e: unknown) => e instanceof RangeError,
    );
    assert.equal(sim.now(), 20);
    assert.equal(ran, false);
  });
});
