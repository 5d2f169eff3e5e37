import * as assert from 'node:assert/strict';
import { withDeadline } from '../../../src/aws/deadline';
import { createLimiter } from '../../../src/core/limiter';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

describe('withDeadline', () => {
  it('answers as the work does when it is in time', async () => {
    assert.equal(await withDeadline(1000, undefined, async () => 42), 42);
    await assert.rejects(
      withDeadline(1000, undefined, async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
  });

  it('ends work that ignores its signal at the deadline, with a CallTimeoutError', async () => {
    const started = Date.now();
    let seen: AbortSignal | undefined;
    await assert.rejects(
      withDeadline(50, undefined, (signal) => {
        seen = signal;
        return never();
      }),
      (error: Error) => error.name === 'CallTimeoutError',
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(seen?.aborted, true, 'the work was told too');
  });

  it("ends with an AbortError when the caller's signal aborts first", async () => {
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 10);
    await assert.rejects(
      withDeadline(5000, caller.signal, () => never()),
      (error: Error) => error.name === 'AbortError',
    );
    const gone = new AbortController();
    gone.abort();
    let ran = false;
    await assert.rejects(
      withDeadline(5000, gone.signal, async () => {
        ran = true;
      }),
      (error: Error) => error.name === 'AbortError',
    );
    assert.equal(ran, false, 'an already cancelled call starts nothing');
  });

  it('frees the limiter slot of a stalled task, so later tasks run', async () => {
    const limiter = createLimiter(1);
    const stalled = limiter.run(() => withDeadline(30, undefined, () => never()));
    const later = limiter.run(async () => 'ran');
    await assert.rejects(stalled, (error: Error) => error.name === 'CallTimeoutError');
    assert.equal(await later, 'ran');
    assert.equal(limiter.active, 0);
  });
});
