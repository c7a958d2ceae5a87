import { constants, promises as fsp, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/**
 * Which WAL segments a snapshot needs. pg_wal also holds old segments not yet removed and future ones
 * recycled in advance (up to max_wal_size): copying only the needed range keeps a snapshot the size of
 * the data. Segment files are named TTTTTTTTXXXXXXXXYYYYYYYY (timeline, then the segment number in two
 * halves), so within one timeline their names sort in WAL order.
 */
export interface WalRange {
  /** First and last segment file needed, inclusive; the same timeline. */
  first: string;
  last: string;
}

const SEGMENT = /^[0-9A-F]{24}$/;

export function isSegmentName(name: string): boolean {
  return SEGMENT.test(name);
}

/** Segment file name holding `lsn` on `timeline`, for a segment size in bytes. */
export function segmentName(timeline: number, lsn: bigint, segmentSize: number): string {
  const perId = 0x100000000n / BigInt(segmentSize);
  const segno = lsn / BigInt(segmentSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segno / perId)}${hex(segno % perId)}`;
}

/** The next segment's name (same timeline). */
function nextSegment(name: string, segmentSize: number): string {
  const perId = 0x100000000n / BigInt(segmentSize);
  const hi = BigInt(`0x${name.slice(8, 16)}`);
  const lo = BigInt(`0x${name.slice(16)}`);
  return segmentName(Number.parseInt(name.slice(0, 8), 16), (hi * perId + lo + 1n) * BigInt(segmentSize), segmentSize);
}

function segmentSizeOf(walDir: string): number | null {
  for (const name of readdirSync(walDir)) {
    if (!isSegmentName(name)) continue;
    const size = statSync(path.join(walDir, name)).size;
    // initdb allows powers of two from 1 MiB to 1 GiB.
    if (size >= 1 << 20 && size <= 1 << 30 && (size & (size - 1)) === 0) return size;
  }
  return null;
}

/**
 * For a stopped cluster: read the last checkpoint from global/pg_control. After a clean shutdown the
 * shutdown checkpoint is the last record, so the range is its redo segment to its own segment (plus the
 * next, where a record crossing the boundary would end). Anything else (a crashed cluster, an
 * unrecovered backup, an old or unfamiliar pg_control) returns null: copy all of pg_wal.
 */
export function stoppedClusterRange(pgdata: string): WalRange | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path.join(pgdata, 'global', 'pg_control'));
  } catch {
    return null;
  }
  // Layout since PostgreSQL 11 (x86-64 and arm64 are little-endian): system_identifier u64 @0,
  // pg_control_version u32 @8, catalog u32 @12, state i32 @16, time i64 @24, checkPoint u64 @32,
  // checkPointCopy { redo u64 @40, ThisTimeLineID u32 @48 }.
  if (buf.length < 56 || new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return null;
  const version = buf.readUInt32LE(8);
  const DB_SHUTDOWNED = 1;
  if (version < 1100 || version > 9999 || buf.readInt32LE(16) !== DB_SHUTDOWNED) return null;
  try {
    statSync(path.join(pgdata, 'backup_label'));
    return null; // restored from an online snapshot, not started since: recovery needs the label's WAL
  } catch {
    // none: the usual case
  }
  const checkpoint = buf.readBigUInt64LE(32);
  const redo = buf.readBigUInt64LE(40);
  const timeline = buf.readUInt32LE(48);
  const size = segmentSizeOf(path.join(pgdata, 'pg_wal'));
  if (!size || timeline === 0 || redo > checkpoint) return null;
  const last = segmentName(timeline, checkpoint, size);
  return { first: segmentName(timeline, redo, size), last: nextSegment(last, size) };
}

/**
 * Copy the segments of `range` (those present; the last may not exist yet) and every timeline
 * history file from `fromWal` into `toWal`. Fails if a needed segment is missing: it was recycled
 * before we could copy it.
 */
export async function copyWal(
  fromWal: string,
  toWal: string,
  range: WalRange | null,
  opts: { lastOptional?: boolean } = {},
): Promise<{ files: number; bytes: number }> {
  const names = readdirSync(fromWal);
  const inRange = (n: string) =>
    isSegmentName(n) &&
    (range === null ||
      (n.slice(0, 8) === range.first.slice(0, 8) &&
        n.slice(8) >= range.first.slice(8) &&
        n.slice(8) <= range.last.slice(8)));
  const wanted = names.filter((n) => inRange(n) || n.endsWith('.history')).sort();
  if (range) {
    const have = new Set(wanted);
    const size = segmentSizeOf(fromWal);
    let n = range.first;
    while (size && n.slice(8) <= range.last.slice(8)) {
      const isLast = n === range.last;
      if (!have.has(n) && !(isLast && opts.lastOptional)) {
        throw new UserError(
          `WAL segment ${n}, needed to make the snapshot consistent, was removed before it could be copied; ` +
            'run the snapshot again',
        );
      }
      if (isLast) break;
      n = nextSegment(n, size);
    }
  }
  let bytes = 0;
  for (const name of wanted) {
    const from = path.join(fromWal, name);
    await fsp.copyFile(from, path.join(toWal, name), constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    bytes += statSync(from).size;
  }
  return { files: wanted.length, bytes };
}
