// Prefixed, coloured terminal output per process, plus a raw per-process log file.
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import kleur from 'kleur';
import { isProcessName } from '../app-definition.js';
import { type Sink, stdout } from '../util/terminal.js';

/** Longest piece of a line held in memory; longer lines are emitted in pieces of this size. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits a byte stream into lines. Holds a partial line until its newline (or end()), and never
 * more than `maxChars` of it: an endless line comes out in pieces instead of growing memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8'); // never cuts a multi-byte character
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      this.emitLine(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length >= this.maxChars) {
      const cut = safeCut(text, this.maxChars);
      this.onLine(text.slice(0, cut));
      text = text.slice(cut);
    }
    this.partial = text;
  }

  /** Emit whatever partial line is held (the stream ended or the process exited). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.emitLine(rest);
  }

  private emitLine(line: string): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    // A single chunk can carry a long line before its newline: split it too.
    while (line.length > this.maxChars) {
      const cut = safeCut(line, this.maxChars);
      this.onLine(line.slice(0, cut));
      line = line.slice(cut);
    }
    this.onLine(line);
  }
}

// Do not split a UTF-16 surrogate pair.
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

const PALETTE = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'red'] as const;

export interface LogOutputOptions {
  /** Where prefixed lines go. Default: our stdout. */
  out?: Sink;
  /** Colour the prefixes. Default kleur.enabled (off under NO_COLOR, non-TTY, TERM=dumb). */
  color?: boolean;
  /** Opens the file that gets `name`'s raw lines (once, at its first line). None: no files. */
  logFile?: (name: string) => Writable;
  /** Names known up front, so the padding is right from the first line. */
  names?: string[];
}

export class LogOutput {
  private readonly out: Sink;
  private readonly color: boolean;
  private readonly openFile: ((name: string) => Writable) | undefined;
  private readonly names: string[] = [];
  private width = 0;
  private readonly files = new Map<string, Writable>();
  private readonly splitters = new Map<string, Set<LineSplitter>>();

  constructor(opts: LogOutputOptions = {}) {
    this.out = opts.out ?? stdout;
    this.color = opts.color ?? kleur.enabled;
    this.openFile = opts.logFile;
    for (const name of opts.names ?? []) this.register(name);
  }

  /** Make a name known (padding and colour). Idempotent. */
  register(name: string): void {
    if (!isProcessName(name)) {
      throw new Error(`invalid process name for logs: ${JSON.stringify(name)}`);
    }
    if (this.names.includes(name)) return;
    this.names.push(name);
    this.width = Math.max(this.width, name.length);
  }

  /** Write one complete line for `name`. */
  line(name: string, text: string): void {
    this.register(name);
    this.out.write(`${this.prefix(name)}${text}\n`);
    this.file(name)?.write(`${text}\n`);
  }

  /**
   * Show one line on the terminal only, not in `<name>.log`: for a process that writes its own
   * log file (postgres), whose lines we tail and must not duplicate.
   */
  show(name: string, text: string): void {
    this.register(name);
    this.out.write(`${this.prefix(name)}${text}\n`);
  }

  /** Route a process stream through a line splitter; a partial last line is flushed at its end. */
  attach(name: string, stream: Readable): LineSplitter {
    this.register(name);
    const splitter = new LineSplitter((l) => this.line(name, l));
    const set = this.splitters.get(name) ?? new Set<LineSplitter>();
    this.splitters.set(name, set);
    set.add(splitter);
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    const done = () => {
      splitter.end();
      set.delete(splitter);
    };
    stream.once('end', done);
    stream.once('close', done);
    return splitter;
  }

  /** Emit held partial lines of `name` now (its process exited). */
  flush(name: string): void {
    for (const s of this.splitters.get(name) ?? []) s.end();
  }

  /** Flush everything and close the log files. */
  async close(): Promise<void> {
    for (const name of this.splitters.keys()) this.flush(name);
    await Promise.all([...this.files.values()].map((f) => new Promise<void>((res) => f.end(() => res()))));
    this.files.clear();
  }

  private prefix(name: string): string {
    const label = `${name.padEnd(this.width)} | `;
    if (!this.color) return label;
    const paint = kleur[PALETTE[this.names.indexOf(name) % PALETTE.length]!];
    // kleur reads its global `enabled` flag at call time; honour our own choice for this call only.
    const saved = kleur.enabled;
    kleur.enabled = true;
    try {
      return paint(label);
    } finally {
      kleur.enabled = saved;
    }
  }

  private file(name: string): Writable | undefined {
    if (!this.openFile) return undefined;
    let f = this.files.get(name);
    if (!f) {
      f = this.openFile(name);
      f.on('error', () => {}); // a full disk must not take the supervisor down
      this.files.set(name, f);
    }
    return f;
  }
}
