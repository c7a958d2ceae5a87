// A log file kept to a size: past `maxBytes` it becomes <file>.1 (older ones move to .2 … .<keep>, the
// oldest is dropped) and a new file begins. Writes are synchronous, one per batch of lines: a flooding
// process then waits for the disk through its pipe instead of filling our memory, and a failed write
// (a full disk) is known at once. What could not be written is held (a little) and written first once
// writing works again; the rest is counted and said in one line, so a gap in a log is never silent.
import {
  closeSync,
  copyFileSync,
  fstatSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';

export interface LogLimits {
  /** Size at which the file is rotated. A single write larger than this still goes in whole. */
  maxBytes: number;
  /** Rotated files kept beside it: <file>.1 … <file>.<keep>. */
  keep: number;
}

export interface LogProblems {
  /** A write, an open or a rotation failed (e.g. ENOSPC). Called on every failure. */
  failed?(file: string, err: unknown): void;
  /** A write worked again after failures. */
  recovered?(file: string): void;
}

/** Text kept in memory while writes fail; beyond it text is only counted. */
const HOLD_BYTES = 64 * 1024;

export class RotatingLog {
  private fd: number | null = null;
  private size = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private dropped = 0;
  private failing = false;

  constructor(
    readonly file: string,
    private readonly limits: LogLimits,
    private readonly problems: LogProblems = {},
  ) {}

  write(text: string | Buffer): void {
    if (text.length === 0) return;
    const data = typeof text === 'string' ? Buffer.from(text) : text;
    if (this.failing && !this.flushHeld()) {
      this.hold(data);
      return;
    }
    this.hold(this.append(data));
  }

  /**
   * Make the file exist now, before any line: a process that just started has a log `devenv logs NAME`
   * can show and follow. A failure (a full disk) is reported as a write's would be, and retried at the next write.
   */
  create(): void {
    if (this.fd !== null || this.failing) return;
    this.append(Buffer.alloc(0));
  }

  close(): void {
    if (this.failing) this.flushHeld();
    this.closeFd();
  }

  /** Write `data` (rotating first when it would pass the limit). Returns what could not be written. */
  private append(data: Buffer): Buffer {
    let offset = 0;
    try {
      if (this.fd === null) this.open();
      if (this.size > 0 && this.size + data.length > this.limits.maxBytes) this.rotate();
      while (offset < data.length) {
        const n = writeSync(this.fd!, data, offset);
        offset += n;
        this.size += n;
      }
      return data.subarray(data.length);
    } catch (err) {
      // The descriptor is opened again at the next try (the file may have gone meanwhile).
      this.closeFd();
      this.failing = true;
      this.problems.failed?.(this.file, err);
      return data.subarray(offset);
    }
  }

  private hold(data: Buffer): void {
    const kept = data.subarray(0, Math.max(0, HOLD_BYTES - this.heldBytes));
    if (kept.length > 0) {
      this.held.push(kept);
      this.heldBytes += kept.length;
    }
    this.dropped += data.length - kept.length;
  }

  /** Write what was held, then say what was dropped. True when all of it is written. */
  private flushHeld(): boolean {
    const note =
      this.dropped > 0 ? [Buffer.from(`[devenv: ${this.dropped} bytes of output lost: could not write]\n`)] : [];
    const pending = Buffer.concat([...this.held, ...note]);
    this.held = [];
    this.heldBytes = 0;
    this.dropped = 0;
    const rest = this.append(pending);
    if (rest.length > 0) {
      // Still failing: keep what is left (the note, if it did not fit, is said again later).
      this.hold(rest);
      return false;
    }
    this.failing = false;
    this.problems.recovered?.(this.file);
    return true;
  }

  private open(): void {
    this.fd = openSync(this.file, 'a', 0o644);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.closeFd();
    shiftRotated(this.file, this.limits.keep);
    this.open();
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing to do about it
    }
    this.fd = null;
  }
}

/** <file> becomes <file>.1, .1 becomes .2, … up to .<keep>; with keep 0 the file is removed. */
export function shiftRotated(file: string, keep: number): void {
  if (keep <= 0) {
    rmSync(file, { force: true });
    return;
  }
  for (let i = keep - 1; i >= 1; i--) renameIfThere(`${file}.${i}`, `${file}.${i + 1}`);
  renameIfThere(file, `${file}.1`);
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Bound a log another process appends to (postgres writes its own log through its stdout): past
 * `maxBytes` copy it to <file>.1 (shifting older ones) and truncate it in place. The writer keeps its
 * descriptor (opened for appending, so it goes on at the new end); lines written between the copy and
 * the truncation are lost, a window of microseconds. Returns true when it rotated.
 */
export function capInPlace(file: string, limits: LogLimits): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size <= limits.maxBytes) return false;
  if (limits.keep > 0) {
    for (let i = limits.keep - 1; i >= 1; i--) renameIfThere(`${file}.${i}`, `${file}.${i + 1}`);
    copyFileSync(file, `${file}.1`);
  }
  truncateSync(file, 0);
  return true;
}
