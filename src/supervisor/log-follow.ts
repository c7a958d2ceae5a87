// `devenv logs -f`: several logs followed at once (each across its rotations), their new lines printed
// in time order.
import { FileTail } from '../util/tail-file.js';
import { mergeByTime } from './log-merge.js';
import { type LogEntry, type LogSource, parseLine } from './log-read.js';

/** New lines wait this long for the other logs' lines of the same moment, then are printed merged. */
const GATHER_MS = 25;

interface Followed {
  source: LogSource;
  tail: FileTail;
  queue: LogEntry[];
  /** The time of its last line with one: a line without continues it. */
  last: number | null;
}

export class MergedFollow {
  private readonly followed: Followed[] = [];
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly onEntry: (e: LogEntry) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Follow `source` from its current end (or, `fromStart`, from its beginning: a log that appeared
   * after the start). Returns where following begins: the end of what was there to read before.
   */
  add(source: LogSource, fromStart = false): number {
    const f: Followed = { source, queue: [], last: null, tail: null as unknown as FileTail };
    f.tail = new FileTail(source.file, (line) => this.line(f, line), { owner: source.owner, fromStart });
    this.followed.push(f);
    if (this.started) f.tail.start(200);
    return f.tail.startOffset;
  }

  has(name: string): boolean {
    return this.followed.some((f) => f.source.name === name);
  }

  start(): this {
    this.started = true;
    for (const f of this.followed) f.tail.start(200);
    return this;
  }

  stop(): void {
    for (const f of this.followed) f.tail.stop();
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private line(f: Followed, line: string): void {
    const { time, text } = parseLine(f.source, line);
    if (time !== null) f.last = time;
    const at = time ?? f.last ?? this.clock();
    f.queue.push({ source: f.source.index, time: at, dated: time !== null ? 'own' : 'continued', text });
    this.timer ??= setTimeout(() => {
      // Every log read to its end now: a line another log got at the same moment is in this batch.
      for (const g of this.followed) g.tail.read();
      this.flush();
      this.timer = null;
    }, GATHER_MS);
  }

  private flush(): void {
    const lists = this.followed.map((f) => f.queue.splice(0)).filter((q) => q.length > 0);
    for (const e of mergeByTime(lists)) this.onEntry(e);
  }
}
