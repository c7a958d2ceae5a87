// The last lines a process wrote (stdout and stderr), kept for showing why it failed. Each chunk costs a
// scan back over its last few lines only, so a process flooding its output pays next to nothing.

/** Lines kept per process. */
export const TAIL_LINES = 20;
/** Longest line kept; longer ones are cut (the log file has them whole). */
const MAX_LINE_CHARS = 500;

export class OutputTail {
  private readonly lines: string[] = [];
  /** The partial last line of each stream. */
  private readonly partial = new Map<object, string>();

  constructor(private readonly max = TAIL_LINES) {}

  /** Read this stream's chunks as they come. */
  attach(stream: NodeJS.EventEmitter): void {
    stream.on('data', (chunk: Buffer | string) => this.push(stream, chunk));
    stream.once('end', () => this.end(stream));
  }

  /** A chunk of `source`'s output. */
  push(source: object, chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lastNl = text.lastIndexOf('\n');
    if (lastNl === -1) {
      this.partial.set(source, ((this.partial.get(source) ?? '') + text).slice(0, MAX_LINE_CHARS));
      return;
    }
    // Only the chunk's last `max` complete lines can stay: find where they begin, from the end.
    let cut = lastNl;
    for (let count = 0; count < this.max && cut !== -1; count++) {
      cut = cut === 0 ? -1 : text.lastIndexOf('\n', cut - 1);
    }
    // cut === -1: the chunk's first line is among them, and completes the stream's partial line.
    const complete = (cut === -1 ? (this.partial.get(source) ?? '') : '') + text.slice(cut + 1, lastNl);
    for (const line of complete.split('\n')) this.add(line);
    this.partial.set(source, text.slice(lastNl + 1).slice(0, MAX_LINE_CHARS));
  }

  /** The stream ended: its partial line counts. */
  end(source: object): void {
    const rest = this.partial.get(source);
    this.partial.delete(source);
    if (rest) this.add(rest);
  }

  /** The last `n` lines, oldest first. */
  last(n = this.max): string[] {
    return this.lines.slice(-n);
  }

  private add(line: string): void {
    this.lines.push((line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE_CHARS));
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
}
