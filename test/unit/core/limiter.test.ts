import * as assert from 'node:assert/strict';
import { abortError, createLimiter, createRateGate, RATE_WINDOW_MS, type GateClock } from '../../../src/core/limiter';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createLimiter', () => {
  it('never runs more tasks at once than the limit, and runs them all', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    const task = async (value: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return value * 2;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.run(() => task(i))));
    assert.equal(peak, 3);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
    assert.equal(limiter.active, 0);
  });

  it('frees the slot of a failing task', async () => {
    const limiter = createLimiter(1);
    await assert.rejects(
      limiter.run(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await limiter.run(async () => 'next'), 'next');
  });

  it('drops a waiting task whose signal aborts, without starting it', async () => {
    const limiter = createLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    let started = false;
    const second = limiter.run(async () => {
      started = true;
    }, controller.signal);
    assert.equal(limiter.waiting, 1);
    controller.abort();
    await assert.rejects(second, (e: Error) => e.name === 'AbortError');
    gate.resolve();
    await first;
    assert.equal(started, false);
    assert.equal(limiter.waiting, 0);
  });

  it('starts waiting tasks when the limit is raised', async () => {
    const limiter = createLimiter(1);
    const gate = deferred();
    const order: string[] = [];
    const a = limiter.run(async () => {
      order.push('a');
      await gate.promise;
    });
    const b = limiter.run(async () => {
      order.push('b');
    });
    assert.deepEqual(order, ['a']);
    limiter.setLimit(2);
    await b;
    assert.deepEqual(order, ['a', 'b']);
    gate.resolve();
    await a;
  });
});

describe('createRateGate', () => {
  /**
   * A clock that moves only when the test advances it; a sleep ends when the clock reaches
   * its time (`early` ms before it, to play a timer that fires early, yet at least 1 ms on).
   */
  function manualClock(early = 0) {
    let now = 0;
    let sequence = 0;
    const sleepers: { at: number; order: number; resolve: () => void }[] = [];
    const clock: GateClock = {
      now: () => now,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          const sleeper = { at: now + Math.max(1, ms - early), order: sequence++, resolve };
          sleepers.push(sleeper);
          signal?.addEventListener('abort', () => {
            sleepers.splice(sleepers.indexOf(sleeper), 1);
            reject(abortError(signal));
          });
        }),
    };
    /** Moves the clock to `to`, ending every sleep due on the way in time order. */
    async function advanceTo(to: number): Promise<void> {
      for (;;) {
        await settle();
        const due = sleepers.filter((s) => s.at <= to).sort((a, b) => a.at - b.at || a.order - b.order)[0];
        if (!due) break;
        sleepers.splice(sleepers.indexOf(due), 1);
        now = Math.max(now, due.at);
        due.resolve();
      }
      now = to;
      await settle();
    }
    return { clock, advanceTo, pendingSleeps: () => sleepers.length };
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }

  /** A gate on a manual clock that records when each caller, by name, was let through. */
  function recordedGate(perSecond: number, early = 0) {
    const manual = manualClock(early);
    const gate = createRateGate(perSecond, manual.clock);
    const started: { name: string; at: number }[] = [];
    const enter = (name: string, signal?: AbortSignal): Promise<void> =>
      gate.wait(signal).then(() => {
        started.push({ name, at: manual.clock.now() });
      });
    return { ...manual, enter, started };
  }

  /** The most starts within any one second (both ends counted). */
  function mostInOneSecond(times: number[]): number {
    return Math.max(0, ...times.map((from) => times.filter((t) => t >= from && t <= from + 1000).length));
  }

  it('lets as many calls as the quota start at once, and the next a window after the earliest', async () => {
    const { enter, started, advanceTo } = recordedGate(2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => enter(name));
    await advanceTo(0);
    assert.deepEqual(started, [
      { name: 'a', at: 0 },
      { name: 'b', at: 0 },
    ]);
    await advanceTo(10_000);
    await Promise.all(all);
    assert.deepEqual(started, [
      { name: 'a', at: 0 },
      { name: 'b', at: 0 },
      { name: 'c', at: RATE_WINDOW_MS },
      { name: 'd', at: RATE_WINDOW_MS },
      { name: 'e', at: 2 * RATE_WINDOW_MS },
    ]);
  });

  it('never lets more than the quota start within any one second, for callers waiting at once', async () => {
    for (const perSecond of [1, 2, 3]) {
      const { enter, started, advanceTo } = recordedGate(perSecond);
      // Twelve callers: eight at once, four more arriving while the first still wait.
      const all = Array.from({ length: 8 }, (_, i) => enter(`early${i}`));
      await advanceTo(400);
      all.push(...Array.from({ length: 4 }, (_, i) => enter(`late${i}`)));
      await advanceTo(60_000);
      await Promise.all(all);
      assert.equal(started.length, 12);
      const times = started.map((s) => s.at);
      assert.ok(mostInOneSecond(times) <= perSecond, `${perSecond}/s: ${times.join(', ')}`);
    }
  });

  it('does not open early when a timer fires before its time', async () => {
    const { enter, started, advanceTo } = recordedGate(2, 1);
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => enter(name));
    await advanceTo(10_000);
    await Promise.all(all);
    const times = started.map((s) => s.at);
    assert.deepEqual(times.slice(2), [RATE_WINDOW_MS, RATE_WINDOW_MS, 2 * RATE_WINDOW_MS], times.join(', '));
    assert.ok(mostInOneSecond(times) <= 2, times.join(', '));
  });

  it('gives the slots of aborted waiters back: the next caller waits one window at most', async () => {
    const { enter, started, advanceTo, pendingSleeps } = recordedGate(2);
    await Promise.all([enter('a'), enter('b')]);
    const controller = new AbortController();
    const dead = Array.from({ length: 6 }, (_, i) => enter(`dead${i}`, controller.signal));
    await advanceTo(100);
    controller.abort();
    for (const waiter of dead) await assert.rejects(waiter, (e: Error) => e.name === 'AbortError');
    await settle();
    assert.equal(pendingSleeps(), 0, 'nobody waits, so nothing sleeps');
    await advanceTo(200);
    const next = enter('next');
    await advanceTo(10_000);
    await next;
    assert.deepEqual(started, [
      { name: 'a', at: 0 },
      { name: 'b', at: 0 },
      { name: 'next', at: RATE_WINDOW_MS },
    ]);
  });

  it('keeps call order, and moves the callers behind an aborted one up to its slot', async () => {
    const { enter, started, advanceTo } = recordedGate(2);
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const waits = names.map((name, i) => enter(name, controllers[i]!.signal));
    await advanceTo(100);
    // c is next in line and d queued behind it: both give up.
    controllers[2]!.abort();
    controllers[3]!.abort();
    const late = enter('g');
    await advanceTo(10_000);
    await Promise.allSettled([...waits, late]);
    assert.deepEqual(started, [
      { name: 'a', at: 0 },
      { name: 'b', at: 0 },
      { name: 'e', at: RATE_WINDOW_MS },
      { name: 'f', at: RATE_WINDOW_MS },
      { name: 'g', at: 2 * RATE_WINDOW_MS },
    ]);
  });

  it('waits for nothing once the quota has had its window', async () => {
    const { enter, started, advanceTo, pendingSleeps } = recordedGate(2);
    await Promise.all([enter('a'), enter('b')]);
    await advanceTo(5000);
    const later = Promise.all([enter('c'), enter('d')]);
    await settle();
    assert.equal(pendingSleeps(), 0);
    await later;
    assert.deepEqual(
      started.map((s) => s.at),
      [0, 0, 5000, 5000],
    );
  });

  it('refuses a quota that is not a whole number of calls of at least one', () => {
    for (const perSecond of [0, 0.5, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createRateGate(perSecond), RangeError, String(perSecond));
    }
  });

  it('rejects a caller whose signal has already aborted, without taking a slot', async () => {
    const { enter, started, advanceTo } = recordedGate(1);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(enter('gone', controller.signal), (e: Error) => e.name === 'AbortError');
    await enter('a');
    await advanceTo(0);
    assert.deepEqual(started, [{ name: 'a', at: 0 }]);
  });
});
