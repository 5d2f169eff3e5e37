// A progress notification's Cancel as the AbortSignal the AWS layer takes. No `vscode` import
// (the token is typed by its shape): tested in plain mocha.

/** The part of `vscode.CancellationToken` used here. */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/**
 * Runs `work` with a signal that aborts when `token` is cancelled (at once if it already is).
 * The listener is removed when the work ends, however it ends: a token can outlive the work
 * (VS Code keeps the notification's), and each run would otherwise leave one behind.
 */
export async function withCancellation<T>(
  token: CancellationTokenLike,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  if (token.isCancellationRequested) abort.abort();
  const listener = token.onCancellationRequested(() => abort.abort());
  try {
    return await work(abort.signal);
  } finally {
    listener.dispose();
  }
}
