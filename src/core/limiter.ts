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
 * second, so that many may start at once and the next waits until a second after the earliest
 * of them. Each caller waits for its own slot; the slots are handed out in call order.
 */
export interface RateGate {
  wait(signal?: AbortSignal): Promise<void>;
}

/** Creates a gate allowing `perSecond` calls a second; `now`/`sleep` are injectable for tests. */
export function createRateGate(
  perSecond: number,
  clock: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> } = realClock,
): RateGate {
  const burst = normalise(perSecond);
  // The start times of the last `burst` slots handed out, oldest first.
  const slots: number[] = [];
  return {
    async wait(signal?: AbortSignal) {
      if (signal?.aborted) throw abortError(signal);
      const now = clock.now();
      const slot = slots.length < burst ? now : Math.max(now, slots[slots.length - burst] + 1000);
      slots.push(slot);
      if (slots.length > burst) slots.shift();
      if (slot > now) await clock.sleep(slot - now, signal);
    },
  };
}

const realClock = {
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
