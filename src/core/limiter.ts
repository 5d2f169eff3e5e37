/**
 * A concurrency limiter shared by every AWS call of a session, whatever the profile or
 * region: expanding many profiles at once must not open hundreds of connections or trip
 * account-wide throttling.
 */

export interface Limiter {
  /** Runs `task` once a slot is free. A waiting task whose signal aborts never starts. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Changes the limit; raising it starts waiting tasks right away. */
  setLimit(limit: number): void;
  readonly limit: number;
  readonly active: number;
  readonly waiting: number;
}

interface Waiter {
  start: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** An error with the name AbortError, as the SDK and fetch use for cancelled work. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new Error(reason instanceof Error ? reason.message : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Creates a first-in first-out limiter allowing `limit` tasks at a time (at least 1). */
export function createLimiter(limit = 8): Limiter {
  let max = normalise(limit);
  let active = 0;
  const queue: Waiter[] = [];

  const pump = (): void => {
    while (active < max && queue.length > 0) {
      const next = queue.shift()!;
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      next.start();
    }
  };

  return {
    get limit() {
      return max;
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    setLimit(value: number) {
      max = normalise(value);
      pump();
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          signal,
          start: () => {
            active++;
            let result: Promise<T>;
            try {
              result = task();
            } catch (error) {
              result = Promise.reject(error);
            }
            result.then(resolve, reject).finally(() => {
              active--;
              pump();
            });
          },
        };
        if (signal) {
          waiter.onAbort = () => {
            const index = queue.indexOf(waiter);
            if (index >= 0) {
              queue.splice(index, 1);
              reject(abortError(signal));
            }
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        queue.push(waiter);
        pump();
      });
    },
  };
}

function normalise(limit: number): number {
  return Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : 1;
}

/**
 * A per-second quota, for APIs such as CloudTrail LookupEvents ("limited to two per second, per
 * account, per Region": src/aws-records.md Q5): at most `perSecond` calls start within any one
 * second, so that many may start at once and the next waits until a window after the earliest
 * of them. Slots are handed out in call order; a caller that gives up while waiting hands its
 * place to the callers behind it.
 */
export interface RateGate {
  wait(signal?: AbortSignal): Promise<void>;
}

/** The clock a gate reads and sleeps on; injectable for tests. */
export interface GateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * How long the gate counts a start against the quota: the quota's second plus a margin. Node's
 * timers may fire a millisecond early against `Date.now()`, and the request leaves a little
 * after the gate opens (client lookup, signing), so a window of exactly one second would let
 * the service see one call too many within its second now and then.
 */
export const RATE_WINDOW_MS = 1000 + 50;

interface GateWaiter {
  resolve: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Creates a gate allowing `perSecond` calls a second. The quota is a whole number of calls
 * (LookupEvents allows two); anything else is refused rather than silently rounded.
 */
export function createRateGate(perSecond: number, clock: GateClock = realClock): RateGate {
  if (!Number.isInteger(perSecond) || perSecond < 1) {
    throw new RangeError(`A rate gate takes a whole number of calls per second, at least 1 (got ${perSecond})`);
  }
  const burst = perSecond;
  // When the last `burst` callers actually left the gate, oldest first.
  const starts: number[] = [];
  // Callers not yet let through, in call order. Only the head's slot is ever computed, from
  // `starts`, so a caller that leaves the queue takes no slot with it.
  const queue: GateWaiter[] = [];
  // The one pending wake-up: when it is due, and how to cancel it once nobody waits.
  let wakeUp: { at: number; cancel: AbortController } | undefined;

  const cancelWakeUp = (): void => {
    wakeUp?.cancel.abort();
    wakeUp = undefined;
  };

  const pump = (): void => {
    while (queue.length > 0) {
      const now = clock.now();
      const slot = starts.length < burst ? now : starts[starts.length - burst] + RATE_WINDOW_MS;
      if (slot > now) {
        // A timer that fired early lands here again and sleeps the rest.
        if (wakeUp?.at !== slot) arm(slot, now);
        return;
      }
      const head = queue.shift()!;
      if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
      starts.push(now);
      if (starts.length > burst) starts.shift();
      head.resolve();
    }
    cancelWakeUp();
  };

  const arm = (at: number, now: number): void => {
    cancelWakeUp();
    const current = { at, cancel: new AbortController() };
    wakeUp = current;
    clock.sleep(at - now, current.cancel.signal).then(
      () => {
        if (wakeUp !== current) return;
        wakeUp = undefined;
        pump();
      },
      () => undefined, // cancelled: nobody is waiting any more
    );
  };

  return {
    wait(signal?: AbortSignal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      return new Promise<void>((resolve, reject) => {
        const waiter: GateWaiter = { resolve, signal };
        if (signal) {
          waiter.onAbort = () => {
            const index = queue.indexOf(waiter);
            if (index < 0) return;
            queue.splice(index, 1);
            reject(abortError(signal));
            // The next in line inherits the slot; with nobody left, the wake-up is dropped.
            pump();
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        queue.push(waiter);
        pump();
      });
    },
  };
}

const realClock: GateClock = {
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
