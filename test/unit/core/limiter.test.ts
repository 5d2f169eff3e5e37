import * as assert from 'node:assert/strict';
import { createLimiter, createRateGate } from '../../../src/core/limiter';

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
  /** A gate on a clock that moves only when told; sleeps are recorded, not waited. */
  function gateAt(perSecond: number) {
    const clock = { now: 1000, sleeps: [] as number[] };
    const gate = createRateGate(perSecond, {
      now: () => clock.now,
      sleep: async (ms) => {
        clock.sleeps.push(ms);
      },
    });
    return { clock, gate };
  }

  it('lets as many calls as the quota start at once, and the next a second after the earliest', async () => {
    const { clock, gate } = gateAt(2);
    await gate.wait();
    await gate.wait();
    assert.deepEqual(clock.sleeps, []);
    await gate.wait();
    await gate.wait();
    assert.deepEqual(clock.sleeps, [1000, 1000]);
    // The fifth call's window starts at the third call's slot (2000): its slot is 3000.
    await gate.wait();
    assert.deepEqual(clock.sleeps, [1000, 1000, 2000]);
  });

  it('never lets more than the quota start within one second, in call order', async () => {
    const { clock, gate } = gateAt(2);
    const starts: number[] = [];
    for (let i = 0; i < 9; i++) {
      clock.sleeps.length = 0;
      await gate.wait();
      starts.push(clock.now + (clock.sleeps[0] ?? 0));
      clock.now += 130;
    }
    for (let i = 2; i < starts.length; i++) assert.ok(starts[i] - starts[i - 2] >= 1000, `${starts}`);
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
    );
  });

  it('waits for nothing once the quota has had its second', async () => {
    const { clock, gate } = gateAt(2);
    await gate.wait();
    await gate.wait();
    clock.now = 5000;
    await gate.wait();
    await gate.wait();
    assert.deepEqual(clock.sleeps, []);
  });
});
