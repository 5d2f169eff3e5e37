// How many reports the report view keeps. No `vscode` import: tested in plain mocha.

/**
 * The report view keeps at most this many instance reports, as many group reports and as many
 * predictions, besides those whose page is open. Each is kept for what comes after it (Copy
 * report, the offers after a key change, "what changed since" on top of a page); a person does
 * not come back to the 51st diagnosis before, and a long-running window would otherwise hold
 * every report it ever made.
 */
export const KEPT_REPORTS = 50;

/**
 * Drops the oldest entries of `map` (in insertion order, so callers re-insert an entry to
 * make it the newest) until at most `limit` are left, never one `pinned` keeps (an open page:
 * it is updated where it is when its key changes). The pinned ones do not count.
 */
export function dropOldest<K, V>(map: Map<K, V>, limit: number, pinned: (key: K) => boolean): void {
  const unpinned = [...map.keys()].filter((key) => !pinned(key));
  for (const key of unpinned.slice(0, Math.max(0, unpinned.length - limit))) map.delete(key);
}
