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
  it('spaces calls by 1/rate seconds in call order', async () => {
    let now = 1000;
    const sleeps: number[] = [];
    const gate = createRateGate(2, {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await gate.wait();
    await gate.wait();
    await gate.wait();
    assert.deepEqual(sleeps, [500, 1000]);
    now = 5000;
    await gate.wait();
    assert.deepEqual(sleeps, [500, 1000]);
  });
});
