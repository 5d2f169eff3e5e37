/**
 * How a benchmark process talks to run.mjs: progress lines on stderr, one result message
 * over the IPC channel. Samples travel raw; run.mjs computes medians and spreads.
 */

/** Sends the benchmark's figures to the parent (or prints them when run by hand). */
export function sendResult(result: unknown): void {
  if (process.send) process.send({ type: 'result', result });
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** A progress line for the person waiting. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Runs `work` once and returns its value with the milliseconds it took. */
export function timeMs<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

/** The async form of `timeMs`. */
export async function timeMsAsync<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}
