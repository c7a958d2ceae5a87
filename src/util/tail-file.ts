import { closeSync, type FSWatcher, fstatSync, readSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { openRegular } from './no-follow.js';

/** Rotated files looked at, at most: <file>.1 … .20 (by `devenv logs -n` too). */
export const MAX_ROTATED = 20;

/**
 * Follow a file that another process appends to (postgres writes its log directly, so the log
 * survives us), delivering complete new lines. It follows the name across a rotation: when the
 * file is renamed away and a new one takes its place, the rest of the old one is read first,
 * then the new one from its start; a file emptied in place is read again from its start.
 */
export class FileTail {
  private fd: number | null = null;
  private ino = -1;
  /** `ino` and `offset` are a size measured when this was made, the file not opened since. */
  private measured: boolean;
  private offset: number;
  private readonly begin: number;
  private partial = '';
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Only a regular file (never through a symlink) and, when set, of this owner is read. */
  private readonly owner: number | undefined;
  /** openRegular; a test puts a rotation step between our stat and our open through it. */
  private readonly open: typeof openRegular;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    opts: { fromStart?: boolean; owner?: number; open?: typeof openRegular } = {},
  ) {
    this.owner = opts.owner;
    const now = opts.fromStart ? null : stat(file);
    this.offset = now?.size ?? 0;
    this.begin = this.offset;
    this.ino = now?.ino ?? -1;
    this.measured = now !== null;
    this.open = opts.open ?? openRegular;
  }

  /** Where following begins: the size the file had when this was made (0 with fromStart). */
  get startOffset(): number {
    return this.begin;
  }

  start(pollMs = 250): this {
    try {
      // The directory, not the file: a rotation replaces the file, and a watch on it would go stale.
      this.watcher = watch(path.dirname(this.file), (_event, name) => {
        if (name === null || name === path.basename(this.file)) this.read();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = null;
    }
    // fs.watch can miss events (and the file may not exist yet): a slow poll backs it up.
    this.timer = setInterval(() => this.read(), pollMs);
    this.timer.unref();
    this.read();
    return this;
  }

  /** Deliver whatever has been appended since the last read. */
  read(): void {
    const now = stat(this.file);
    if (this.fd !== null) {
      if (now?.ino === this.ino) {
        this.drain();
        return;
      }
      // Renamed away (rotated) or removed: finish the file we have open first.
      this.drain();
      this.closeFd();
    }
    if (!now) {
      this.readRotated(-1);
      return;
    }
    const opened = this.open(this.file, this.owner);
    if (!opened) return;
    if (opened.stat.ino !== this.ino) {
      // Not the file read last: the ones rotated after that come first, then this one from its start.
      // Looked for only now, after the open: a rotation between our stat and the open could have
      // renamed what we stat'ed away (B6 under load lost a whole file that way).
      this.readRotated(opened.stat.ino);
      this.offset = 0;
    }
    this.fd = opened.fd;
    this.ino = opened.stat.ino;
    this.measured = false;
    this.drain();
  }

  stop(): void {
    this.read();
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    this.closeFd();
  }

  /**
   * Read whole the rotated files (<file>.1, .2, …) newer than the one read last, oldest first; never
   * `current`, the inode about to be read as the log. A missing number is passed over, not an end:
   * a rotation renames from the oldest down, so mid-rotation one number is missing.
   */
  private readRotated(current: number): void {
    if (this.ino === -1) return; // nothing read yet: what was rotated before is history, not new
    // Newest first as found; `from` is 0 but for a file measured when this was made and never opened.
    const newer: { fd: number; ino: number; from: number }[] = [];
    for (let i = 1; i <= MAX_ROTATED; i++) {
      const opened = this.open(`${this.file}.${i}`, this.owner);
      if (!opened) continue;
      const { ino } = opened.stat;
      if (ino === this.ino) {
        // Measured but never opened: the rest of it after that size is new.
        if (this.measured) newer.push({ fd: opened.fd, ino, from: this.offset });
        else closeSync(opened.fd);
        break;
      }
      if (ino === current || newer.some((f) => f.ino === ino)) closeSync(opened.fd);
      else newer.push({ fd: opened.fd, ino, from: 0 });
    }
    for (const f of newer.reverse()) {
      this.fd = f.fd;
      this.ino = f.ino;
      this.offset = f.from;
      this.measured = false;
      this.drain();
      this.closeFd();
    }
  }

  /** Read the open file from our offset to its end. */
  private drain(): void {
    if (this.fd === null) return;
    const size = fstatSync(this.fd).size;
    if (size < this.offset) this.offset = 0; // emptied in place (copy-truncate)
    if (this.offset >= size) return;
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, size - this.offset));
    while (this.offset < size) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      const lines = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }
}

function stat(file: string): { size: number; ino: number } | null {
  try {
    const st = statSync(file);
    return { size: st.size, ino: st.ino };
  } catch {
    return null;
  }
}
