/**
 * Promises kept by key, for answers worth asking once: the profile list, clients, caller
 * identities, sign-ins. A promise that rejects, or whose value `keep` refuses, is forgotten
 * as soon as it settles, so the next ask tries again (a fixed sign-in works without a reload).
 * `clear()` forgets everything; a promise still pending then cannot come back into the cache.
 */
export class Memo<K, V> {
  private readonly entries = new Map<K, { promise: Promise<V>; settled?: { value: V } }>();

  /** `keep` decides whether a resolved value stays (default: always). */
  constructor(private readonly keep: (value: V) => boolean = () => true) {}

  /** The cached promise for `key`, or the one `make` starts (and the cache holds). */
  get(key: K, make: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached) return cached.promise;
    const promise = make();
    const entry: { promise: Promise<V>; settled?: { value: V } } = { promise };
    this.entries.set(key, entry);
    promise.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        if (this.keep(value)) entry.settled = { value };
        else this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return promise;
  }

  /** The promise for `key` if one is cached (pending or kept), without starting anything. */
  peek(key: K): Promise<V> | undefined {
    return this.entries.get(key)?.promise;
  }

  /** The value for `key` once it resolved and was kept; never waits. */
  settled(key: K): V | undefined {
    return this.entries.get(key)?.settled?.value;
  }

  /** Every value that resolved and was kept, never waiting. */
  settledValues(): V[] {
    return [...this.entries.values()].flatMap((entry) => (entry.settled ? [entry.settled.value] : []));
  }

  /** Forgets `key` (the next `get` starts again). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets every key and hands each promise it held to `dispose` (e.g. to destroy clients). */
  clear(dispose?: (promise: Promise<V>) => void): void {
    const promises = [...this.entries.values()].map((entry) => entry.promise);
    this.entries.clear();
    if (dispose) promises.forEach(dispose);
  }
}
