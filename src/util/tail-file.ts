import { closeSync, type FSWatcher, readSync, statSync, watch } from 'node:fs';
import { openRegular } from './no-follow.js';

/**
 * Follow a file that another process appends to (postgres writes its log
 * directly, so the log survives us), delivering complete new lines.
 */
export class FileTail {
  private offset: number;
  private partial = '';
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Only a regular file (never through a symlink) and, when set, of this owner is read. */
  private readonly owner: number | undefined;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    opts: { fromStart?: boolean; owner?: number } = {},
  ) {
    this.offset = opts.fromStart ? 0 : sizeOf(file);
    this.owner = opts.owner;
  }

  start(pollMs = 250): this {
    try {
      this.watcher = watch(this.file, () => this.read());
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
    const size = sizeOf(this.file);
    if (size < this.offset) this.offset = 0; // truncated or replaced
    if (size === this.offset) return;
    const opened = openRegular(this.file, this.owner);
    if (!opened) return;
    const fd = opened.fd;
    try {
      const buf = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    } finally {
      closeSync(fd);
    }
  }

  stop(): void {
    this.read();
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
