import * as assert from 'node:assert/strict';
import { withCancellation, type CancellationTokenLike } from '../../../src/vscode/diagnose/cancellation';

/** A token like VS Code's: listeners added and removed, cancel() calls those left. */
function fakeToken(cancelled = false) {
  const listeners = new Set<() => void>();
  const token: CancellationTokenLike & { cancel(): void; listeners: Set<() => void> } = {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    cancel() {
      cancelled = true;
      for (const listener of listeners) listener();
    },
    listeners,
  };
  return token;
}

describe('a progress Cancel as an AbortSignal', () => {
  it('aborts the signal on Cancel while the work runs', async () => {
    const token = fakeToken();
    let seen: AbortSignal | undefined;
    const result = withCancellation(token, (signal) => {
      seen = signal;
      // Work that only ends when it is aborted.
      return new Promise<string>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    });
    token.cancel();
    await assert.rejects(result, /aborted/);
    assert.equal(seen?.aborted, true);
    assert.equal(token.listeners.size, 0, 'the listener is removed');
  });

  it('removes its listener when the work ends, so many runs on one token leave none', async () => {
    const token = fakeToken();
    for (let i = 0; i < 5; i++) assert.equal(await withCancellation(token, async () => i), i);
    assert.equal(token.listeners.size, 0);
    await assert.rejects(
      withCancellation(token, async () => {
        throw new Error('failed');
      }),
      /failed/,
    );
    assert.equal(token.listeners.size, 0, 'removed on a failure too');
  });

  it('a later Cancel no longer aborts a finished run', async () => {
    const token = fakeToken();
    let seen: AbortSignal | undefined;
    await withCancellation(token, async (signal) => (seen = signal));
    token.cancel();
    assert.equal(seen?.aborted, false);
  });

  it('starts aborted on a token already cancelled', async () => {
    const aborted = await withCancellation(fakeToken(true), async (signal) => signal.aborted);
    assert.equal(aborted, true);
  });
});
