import { abortError } from '../core/limiter';
import { callTimeoutError } from './errors';

/**
 * Runs `work` with a signal that aborts when the caller's signal does or when `timeoutMs`
 * have passed, and settles at that moment even if `work` ignores the signal (a credential
 * provider waiting on a silent endpoint, a body that trickles in): whoever waits on it, and
 * the limiter slot it holds, are let go. The deadline ends it with a `CallTimeoutError`, the
 * caller with an `AbortError`.
 */
export function withDeadline<T>(
  timeoutMs: number,
  caller: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const signal = controller.signal;
  const timer = setTimeout(() => controller.abort(callTimeoutError(timeoutMs)), timeoutMs);
  const onCallerAbort = (): void => controller.abort(abortError(caller));
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener('abort', onCallerAbort, { once: true });
  return new Promise<T>((resolve, reject) => {
    // Registered before `work` hands the signal to the SDK, so this reason wins the race
    // against the SDK's own abort error.
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(() => work(signal))
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  }).finally(() => {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onCallerAbort);
  });
}
