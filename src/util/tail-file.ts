import { closeSync, type FSWatcher, fstatSync, readSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { openRegular } from './no-follow.js';

/**
 * Follow a file that another process appends to (postgres writes its log directly, so the log
 * survives us), delivering complete new lines. It follows the name across a rotation: when the
 * file is renamed away and a new one takes its place, the rest of the old one is read first,
 * then the new one from its start; a file emptied in place is read again from its start.
 */
export class FileTail {
  private fd: number | null = null;
  private ino = -1;
  private offset: number;
  private partial = '';
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Only a regular file (never through a symlink) and, when set, of this owner is read. */
  private readonly owner: number | undefined;

  /**
   * From the file's current end, from its start (`fromStart`), or from `from`: where a reader that just
   * printed the file's last lines stopped, so nothing written since that read is missed.
   */
  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    opts: { fromStart?: boolean; from?: { offset: number; ino: number }; owner?: number } = {},
  ) {
    this.owner = opts.owner;
    const now = opts.from ? { size: opts.from.offset, ino: opts.from.ino } : stat(file);
    this.offset = opts.fromStart ? 0 : (now?.size ?? 0);
    this.ino = opts.fromStart ? -1 : (now?.ino ?? -1);
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
    if (this.fd !== null && (!now || now.ino !== this.ino)) {
      // Renamed away (rotated) or removed: finish the file we have open, then any rotated since
      // (<file>.1, .2, … newer than ours, when it rotated more than once between two reads).
      this.drain();
      this.closeFd();
      for (const between of this.rotatedSince(this.ino)) this.readWhole(between);
      this.offset = 0;
    }
    if (!now) return;
    if (this.fd === null) {
      const opened = openRegular(this.file, this.owner);
      if (!opened) return;
      this.fd = opened.fd;
      if (opened.stat.ino !== this.ino) this.offset = 0; // not the file we measured: all of it is new
      this.ino = opened.stat.ino;
    }
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

  /** Rotated files newer than the one with inode `ino`, oldest first. */
  private rotatedSince(ino: number): string[] {
    const newer: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const st = stat(`${this.file}.${i}`);
      if (!st || st.ino === ino) break;
      newer.unshift(`${this.file}.${i}`);
    }
    return newer;
  }

  private readWhole(file: string): void {
    const opened = openRegular(file, this.owner);
    if (!opened) return;
    this.fd = opened.fd;
    this.offset = 0;
    this.drain();
    this.closeFd();
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
