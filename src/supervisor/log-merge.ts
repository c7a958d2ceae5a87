// Several logs' lines as one stream in time order, for `devenv logs`.
import type { LogEntry } from './log-read.js';

/**
 * Merge lists of lines (each in its log's order) by time. Each list keeps its own order, even where
 * its times go back (a clock set back); equal times come in list order.
 */
export function mergeByTime(lists: LogEntry[][]): LogEntry[] {
  const merged: LogEntry[] = [];
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const head = lists[i]![at[i]!];
      if (head && (best === -1 || head.time < lists[best]![at[best]!]!.time)) best = i;
    }
    if (best === -1) return merged;
    merged.push(lists[best]![at[best]!++]!);
  }
}

export interface Selection {
  /** Only lines from this time on (ms); lines only known to be older than a time are left out. */
  since: number | null;
  /** The last this many lines of the merged stream. */
  lines: number;
}

/**
 * The lines to show from each log's end, merged. A log read only in part (`complete` false: its end
 * was larger than what is read) has lines before its first one that were not read: the other logs'
 * lines from before then are left out too, so what is shown is never missing lines in between.
 */
export function selectLines(
  reads: { entries: LogEntry[]; complete: boolean }[],
  { since, lines }: Selection,
): LogEntry[] {
  let from = since ?? Number.NEGATIVE_INFINITY;
  for (const r of reads) if (!r.complete && r.entries.length > 0) from = Math.max(from, r.entries[0]!.time);
  const bounded = from !== Number.NEGATIVE_INFINITY;
  const kept = reads.map((r) =>
    bounded ? r.entries.filter((e) => e.time >= from && (since === null || e.dated !== 'before')) : r.entries,
  );
  const merged = mergeByTime(kept);
  return lines >= merged.length ? merged : merged.slice(merged.length - lines);
}
