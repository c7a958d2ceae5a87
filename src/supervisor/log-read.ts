// Reading the end of one process log (across its rotated files) as lines with times, for `devenv logs`.
import { closeSync, existsSync, readSync } from 'node:fs';
import { openRegular } from '../util/no-follow.js';
import { MAX_ROTATED } from '../util/tail-file.js';
import { postgresTime, splitStamp } from './log-stamp.js';

/** One log `devenv logs` shows. */
export interface LogSource {
  /** Its place among the logs shown: the order of lines with equal times, and its colour. */
  index: number;
  name: string;
  file: string;
  /** Read only while it is a regular file of this uid (postgres' log, as root). */
  owner?: number;
  /** Who writes it: devenv (each line after its time) or postgres (its own log_line_prefix). */
  writer: 'devenv' | 'postgres';
}

/** One line of a log, with the time it is ordered by. */
export interface LogEntry {
  source: number;
  /** ms since the epoch: the line's own time, or for a line without one as `dated` says. */
  time: number;
  /**
   * 'own': the line carries its time. 'continued': it goes on from the line before (a message of
   * several lines) and takes that one's time. 'before': an older devenv wrote it without a time;
   * all that is known is that it is older than the lines after it: -Infinity, it sorts first.
   */
  dated: 'own' | 'continued' | 'before';
  /** The line as the process wrote it (without devenv's time; postgres' lines whole). */
  text: string;
}

/** A line of `source` as read: its time, if it has one. */
export function parseLine(source: LogSource, line: string): { time: number | null; text: string } {
  return source.writer === 'postgres' ? { time: postgresTime(line), text: line } : splitStamp(line);
}

/** Bytes of a file's end read first; four times more each time that was not enough. */
const FIRST_READ = 64 * 1024;

export interface ReadWant {
  /** Enough lines (the caller shows at most this many). */
  lines: number;
  /** Enough once a line older than this (ms) is read. */
  since: number | null;
  /** Bytes read at most, over the log and its rotated files. */
  budget: number;
  /** Read the log itself only up to this size (where a follower of it begins). */
  upTo?: number;
}

interface Block {
  parsed: { time: number | null; text: string }[];
  mtime: number;
}

/**
 * The last lines of a log, oldest first, with times. `complete` is false when the byte budget ended
 * the reading before there were enough lines (older lines of this log exist but were not read).
 */
export function readLogEnd(source: LogSource, want: ReadWant): { entries: LogEntry[]; complete: boolean } {
  const blocks: Block[] = [];
  let budget = want.budget;
  let count = 0;
  let complete = true;
  for (let i = 0; i <= MAX_ROTATED; i++) {
    const file = i === 0 ? source.file : `${source.file}.${i}`;
    // A little of the end first, more only when that was not enough: `-n 5` of a large log reads little.
    let got: ReturnType<typeof readEnd> = null;
    let block: Block | null = null;
    for (let step = FIRST_READ; ; step *= 4) {
      got = readEnd(file, Math.min(step, budget), source.owner, i === 0 ? want.upTo : undefined);
      if (!got) break;
      block = { parsed: got.lines.map((l) => parseLine(source, l)), mtime: got.mtime };
      const enough = count + block.parsed.length >= want.lines || olderThan(block, want.since);
      if (enough || !got.cut || step >= budget) break;
    }
    if (!got || !block) break;
    blocks.unshift(block);
    budget -= got.bytes;
    count += block.parsed.length;
    if (count >= want.lines || olderThan(block, want.since)) break;
    if (got.cut || budget <= 0) {
      complete = !got.cut && !existsSync(`${source.file}.${i + 1}`);
      break;
    }
  }
  return { entries: dateEntries(source, blocks), complete };
}

function olderThan(block: Block, since: number | null): boolean {
  if (since === null) return false;
  const first = block.parsed.find((p) => p.time !== null);
  return first !== undefined && first.time! < since;
}

/**
 * Times for the lines without one. After a line with a time: a continuation, that line's time.
 * Before the first: postgres' are the rest of a message whose start was not read (the next time);
 * devenv's were written by an older devenv, at some time before: they sort before every line with a
 * time (dated 'before', so --since leaves them out). A postgres log without any time (a prefix
 * without one): its file's mtime.
 */
function dateEntries(source: LogSource, blocks: Block[]): LogEntry[] {
  const entries: LogEntry[] = [];
  const postgres = source.writer === 'postgres';
  let last: number | null = null;
  const leading: LogEntry[] = [];
  for (const block of blocks) {
    for (const p of block.parsed) {
      if (p.time !== null) {
        last = p.time;
        for (const e of leading.splice(0)) e.time = p.time;
        entries.push({ source: source.index, time: p.time, dated: 'own', text: p.text });
        continue;
      }
      const older = last === null && !postgres;
      const time = last ?? (postgres ? block.mtime : Number.NEGATIVE_INFINITY);
      const entry: LogEntry = { source: source.index, time, dated: older ? 'before' : 'continued', text: p.text };
      if (last === null && postgres) leading.push(entry);
      entries.push(entry);
    }
  }
  return entries;
}

/** The last `budget` bytes of a file (up to `upTo`), as whole lines; null when it is not there. */
function readEnd(
  file: string,
  budget: number,
  owner?: number,
  upTo?: number,
): { lines: string[]; bytes: number; cut: boolean; mtime: number } | null {
  const opened = openRegular(file, owner);
  if (!opened) return null;
  const size = Math.min(opened.stat.size, upTo ?? Number.POSITIVE_INFINITY);
  const start = Math.max(0, size - Math.max(0, budget));
  const buf = Buffer.alloc(size - start);
  let got = 0;
  try {
    while (got < buf.length) {
      const n = readSync(opened.fd, buf, got, buf.length - got, start + got);
      if (n <= 0) break;
      got += n;
    }
  } finally {
    closeSync(opened.fd);
  }
  const lines = buf.subarray(0, got).toString('utf8').split('\n');
  if (start > 0) lines.shift(); // the first line was cut
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, bytes: size - start, cut: start > 0, mtime: opened.stat.mtimeMs };
}
