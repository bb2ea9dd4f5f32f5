import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulator } from './simulator.js';
import { VirtualTasks } from './virtual-tasks.js';

/** Lets the JavaScript job queue drain (one macrotask turn); no wall-clock waiting. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled, after letting pending jobs run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await macrotask();
  await macrotask();
  return done;
}

/** Five tasks sleeping random virtual delays; returns the log of who woke when. */
async function interleaving(seed: number): Promise<string[]> {
  const sim = new Simulator(seed);
  const tasks = new VirtualTasks(sim);
  const rand = sim.rand.fork();
  const log: string[] = [];
  let done = 0;
  for (let id = 0; id < 5; id++) {
    void tasks.go(async () => {
      for (let k = 0; k < 40; k++) {
        await tasks.sleep(rand.int(20));
        log.push(`${sim.now()} t${id}.${k}`);
      }
      done++;
    });
  }
  while (done < 5) await tasks.sleep(100);
  return log;
}

void describe('VirtualTasks', () => {
  void it('sleep resolves at the right virtual time', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    let eventAt = -1;
    sim.schedule(50, () => (eventAt = sim.now()));
    await tasks.sleep(100);
    assert.equal(sim.now(), 100);
    assert.equal(eventAt, 50, 'an event due before the wake-up did not run');
    await tasks.sleep(0);
    assert.equal(sim.now(), 100);
    await tasks.sleep(250);
    assert.equal(sim.now(), 350);
  });

  void it('woken code runs to its next await before the next event', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    let nextEventRan = false;
    sim.schedule(11, () => (nextEventRan = true));
    await tasks.sleep(10);
    // A long chain of promise jobs still belongs to this wake-up.
    for (let k = 0; k < 100; k++) await Promise.resolve();
    assert.equal(sim.now(), 10);
    assert.equal(nextEventRan, false);
    await tasks.sleep(1);
    assert.equal(nextEventRan, true);
  });

  // Regression: sleep() once started the driver synchronously, which ran the simulator up to the first wake-up
  // before sleep() returned. go(a); go(b); go(c), each sleeping 10 ms, then woke a at 10 and b and c at 20, where
  // Go's `go f()` x3 wakes all three at 10 (the lab's churn tests start their clients this way).
  void it('sleep() does not advance virtual time before it returns', () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    let eventRan = false;
    sim.schedule(5, () => (eventRan = true));
    void tasks.sleep(10);
    assert.equal(sim.now(), 0, 'sleep(10) ran the simulator synchronously');
    assert.equal(eventRan, false);
    tasks.stop();
  });

  // Regression: same cause as above.
  void it('tasks started together and woken at the same time run in the order they went to sleep', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      void tasks.go(async () => {
        for (let k = 0; k < 3; k++) {
          await tasks.sleep(10);
          order.push(`${sim.now()}${name}`);
        }
      });
    }
    await tasks.sleep(35);
    assert.deepEqual(order, ['10a', '10b', '10c', '20a', '20b', '20c', '30a', '30b', '30c']);
  });

  void it('tasks that go to sleep at the same virtual time wake in that order', async () => {
    // Same property without relying on go() starting tasks at time 0: both sleeps are issued at time 10.
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const order: string[] = [];
    await tasks.sleep(10);
    const a = tasks.sleep(10).then(() => order.push(`${sim.now()}a`));
    const b = tasks.sleep(10).then(() => order.push(`${sim.now()}b`));
    await Promise.all([a, b]);
    assert.deepEqual(order, ['20a', '20b']);
  });

  void it('concurrent tasks interleave deterministically', async () => {
    const first = await interleaving(42);
    const second = await interleaving(42);
    assert.equal(first.length, 200);
    assert.deepEqual(first, second);
    // Virtual time never goes backwards in what the tasks observe.
    const times = first.map((line) => Number(line.split(' ')[0]));
    for (let k = 1; k < times.length; k++) assert.ok((times[k] ?? 0) >= (times[k - 1] ?? 0));
    // And the interleaving really depends on the seed.
    assert.notDeepEqual(await interleaving(43), first);
  });

  void it('a go() task that throws makes the sleeping main task reject with that error', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const boom = new Error('boom');
    void tasks.go(async () => {
      await tasks.sleep(10);
      throw boom;
    });
    await assert.rejects(tasks.sleep(1000), (e: unknown) => e === boom);
    assert.equal(sim.now(), 10, 'time ran on after the failure');
    assert.equal(tasks.failed, boom);
    // Every later sleep fails at once too.
    await assert.rejects(tasks.sleep(1), (e: unknown) => e === boom);
    assert.equal(sim.now(), 10);
  });

  void it('a go() task that throws a non-Error fails the test with an Error carrying its text', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    void tasks.go(async () => {
      await tasks.sleep(5);
      throw 'plain string'; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    await assert.rejects(tasks.sleep(100), { message: 'plain string' });
    assert.ok(tasks.failed instanceof Error);
  });

  void it('an event that throws fails every sleeper', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const boom = new Error('event failed');
    sim.schedule(5, () => {
      throw boom;
    });
    let background: unknown;
    void tasks.go(async () => {
      try {
        await tasks.sleep(500);
      } catch (error) {
        background = error;
      }
    });
    await assert.rejects(tasks.sleep(1000), (e: unknown) => e === boom);
    assert.equal(background, boom);
    assert.equal(sim.now(), 5);
    assert.equal(tasks.failed, boom);
  });

  void it('the first failure wins', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const first = new Error('first');
    sim.schedule(5, () => {
      throw first;
    });
    void tasks.go(async () => {
      await tasks.sleep(7);
      throw new Error('second');
    });
    await assert.rejects(tasks.sleep(100), (e: unknown) => e === first);
    tasks.fail(new Error('third'));
    assert.equal(tasks.failed, first);
  });

  void it('the deadline fails with its error instead of running past it', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim, { atMs: 1000, error: () => new Error('test took too long') });
    const ran: number[] = [];
    for (const t of [500, 1000, 1001, 4000]) sim.schedule(t, () => ran.push(t));
    await assert.rejects(tasks.sleep(5000), { message: 'test took too long' });
    assert.deepEqual(ran, [500, 1000]);
    assert.ok(sim.now() <= 1000, `the clock ran past the deadline: ${sim.now()}`);
    assert.equal(tasks.failed?.message, 'test took too long');
  });

  void it('a sleep that ends exactly at the deadline succeeds', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim, { atMs: 1000, error: () => new Error('late') });
    await tasks.sleep(1000);
    assert.equal(sim.now(), 1000);
    assert.equal(tasks.failed, undefined);
    await assert.rejects(tasks.sleep(1), { message: 'late' });
  });

  void it('after stop(), sleepers never wake and new sleeps never settle', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    let wakes = 0;
    void tasks.go(async () => {
      for (;;) {
        await tasks.sleep(10);
        wakes++;
      }
    });
    await tasks.sleep(55);
    assert.ok(wakes >= 4, `the background task woke only ${wakes} times`);
    tasks.stop();
    const before = wakes;
    const parked = tasks.sleep(5);
    sim.runFor(1000); // Even if someone runs the simulator by hand, the stopped tasks stay parked.
    assert.equal(await settled(parked), false);
    assert.equal(wakes, before);
    assert.equal(tasks.failed, undefined);
  });

  void it('until() resolves with what a later event settles, and its task runs before the next event', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    let nextEventRan = false;
    sim.schedule(31, () => (nextEventRan = true));
    const value = await tasks.until<string>((settle) => {
      sim.schedule(30, () => {
        settle('reply');
        settle('ignored'); // a second settle changes nothing
      });
    });
    assert.equal(value, 'reply');
    assert.equal(sim.now(), 30);
    assert.equal(nextEventRan, false);
  });

  void it('a pending until() keeps the driver going: a task that only waits for events is not stranded', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    // No sleeper at all, only a wait on an event 5 s away (a long RPC).
    const value = await tasks.until<number>((settle) => {
      sim.schedule(5000, () => {
        settle(42);
      });
    });
    assert.equal(value, 42);
    assert.equal(sim.now(), 5000);
  });

  void it('until() rejects with the test failure, and parks after stop()', async () => {
    const sim = new Simulator(1);
    const tasks = new VirtualTasks(sim);
    const waiting = tasks.until<number>(() => undefined);
    tasks.fail(new Error('boom'));
    await assert.rejects(waiting, { message: 'boom' });
    await assert.rejects(
      tasks.until(() => undefined),
      { message: 'boom' },
    );
    const other = new VirtualTasks(new Simulator(2));
    other.stop();
    assert.equal(await settled(other.until(() => undefined)), false);
  });
});
