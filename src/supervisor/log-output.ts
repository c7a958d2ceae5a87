// Prefixed, coloured terminal output per process, plus a raw per-process log file.
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
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

/** Where one process's raw lines go (a RotatingLog under `devenv up`). */
export interface LogFile {
  /** Make the file exist (empty) if it does not yet. */
  create(): void;
  write(text: string | Buffer): void;
  close(): void;
}

const NEWLINE = Buffer.from('\n');

export interface LogOutputOptions {
  /** Where prefixed lines go. Default: our stdout. null: nowhere (the background `up`: all is in the files). */
  out?: Sink | null;
  /** Colour the prefixes. Default kleur.enabled (off under NO_COLOR, non-TTY, TERM=dumb). */
  color?: boolean;
  /** Opens the file for `name`'s raw lines (once: when its process starts, or at its first line). None: no files. */
  logFile?: (name: string) => LogFile;
  /** Names known up front, so the padding is right from the first line. */
  names?: string[];
  /** Most bytes a second read from one process stream (default 16 MiB, see RateGate). */
  maxBytesPerSecond?: number;
}

/** Output beyond this rate waits in the process's pipe (a slow terminal does the same). */
export const MAX_BYTES_PER_SECOND = 16 * 1024 * 1024;

/**
 * Reads from a stream at most `perSecond` bytes a second, in 100 ms steps: past a step's share the
 * stream is paused until the next step, and the process writing into it waits. A process flooding
 * its output (`yes`, a debug print in a loop) then costs the supervisor a bounded share of a CPU
 * and its logs a bounded churn, instead of all it can take.
 */
export class RateGate {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    private readonly stream: Readable,
    private readonly perSecond: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** `bytes` were just read from the stream. */
  take(bytes: number): void {
    const now = this.clock();
    if (now - this.windowStart >= 100) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += bytes;
    if (this.used < this.perSecond / 10) return;
    this.stream.pause();
    const resume = setTimeout(() => this.stream.resume(), Math.max(1, this.windowStart + 100 - now));
    resume.unref();
  }
}

/** A stream routed through a splitter: end() flushes its partial line. */
interface Attached {
  end(): void;
}

export class LogOutput {
  private readonly out: Sink | null;
  private readonly color: boolean;
  private readonly openFile: ((name: string) => LogFile) | undefined;
  private readonly names: string[] = [];
  private width = 0;
  private readonly files = new Map<string, LogFile>();
  private readonly attached = new Map<string, Set<Attached>>();
  private readonly perSecond: number;

  constructor(opts: LogOutputOptions = {}) {
    this.out = opts.out === undefined ? stdout : opts.out;
    this.perSecond = opts.maxBytesPerSecond ?? MAX_BYTES_PER_SECOND;
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
    this.lines(name, [text]);
  }

  /**
   * Write complete lines for `name`: one write to the terminal and one to the file for the whole
   * batch (a process flooding its output costs a write per chunk it sends, not per line).
   */
  lines(name: string, texts: string[]): void {
    if (texts.length === 0) return;
    this.register(name);
    this.terminal(name, texts);
    this.file(name)?.write(`${texts.join('\n')}\n`);
  }

  /**
   * Show one line on the terminal only, not in `<name>.log`: for a process that writes its own
   * log file (postgres), whose lines we tail and must not duplicate.
   */
  show(name: string, text: string): void {
    this.register(name);
    this.terminal(name, [text]);
  }

  /**
   * Route a process stream to the terminal and its file, line by line; a partial last line is
   * flushed at its end. Without a terminal (the background `up`) the bytes go to the file as they
   * came, cut only after a newline (so stdout and stderr never share a line): no per-line work, so
   * a process flooding its output costs little more than the copy.
   */
  attach(name: string, stream: Readable): void {
    this.register(name);
    // The process has started: its log exists from now on, whether or not it has printed yet (`devenv
    // logs NAME` right after `up -d` shows an empty log instead of "no log for NAME").
    this.file(name)?.create();
    const rate = new RateGate(stream, this.perSecond);
    stream.on('data', (chunk: Buffer) => rate.take(chunk.length));
    const entry = this.out ? this.byLine(name, stream) : this.raw(name, stream);
    const set = this.attached.get(name) ?? new Set<Attached>();
    this.attached.set(name, set);
    set.add(entry);
    const done = () => {
      entry.end();
      set.delete(entry);
    };
    stream.once('end', done);
    stream.once('close', done);
  }

  private byLine(name: string, stream: Readable): Attached {
    const batch: string[] = [];
    const splitter = new LineSplitter((l) => batch.push(l));
    const emit = () => this.lines(name, batch.splice(0));
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      emit();
    });
    return {
      end: () => {
        splitter.end();
        emit();
      },
    };
  }

  private raw(name: string, stream: Readable): Attached {
    let partial: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      const nl = chunk.lastIndexOf(10);
      if (nl === -1) {
        partial = Buffer.concat([partial, chunk]);
        // An endless line is written in pieces, as the line splitter does, instead of growing memory.
        if (partial.length >= MAX_LINE_CHARS) {
          this.file(name)?.write(Buffer.concat([partial, NEWLINE]));
          partial = Buffer.alloc(0);
        }
        return;
      }
      const complete = chunk.subarray(0, nl + 1);
      this.file(name)?.write(partial.length ? Buffer.concat([partial, complete]) : complete);
      partial = Buffer.from(chunk.subarray(nl + 1));
    });
    return {
      end: () => {
        if (partial.length) this.file(name)?.write(Buffer.concat([partial, NEWLINE]));
        partial = Buffer.alloc(0);
      },
    };
  }

  /** Emit held partial lines of `name` now (its process exited). */
  flush(name: string): void {
    for (const a of this.attached.get(name) ?? []) a.end();
  }

  /** Flush everything and close the log files. */
  async close(): Promise<void> {
    for (const name of this.attached.keys()) this.flush(name);
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }

  private terminal(name: string, texts: string[]): void {
    if (!this.out) return;
    const prefix = this.prefix(name);
    let text = '';
    for (const t of texts) text += `${prefix}${t}\n`;
    this.out.write(text);
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

  private file(name: string): LogFile | undefined {
    if (!this.openFile) return undefined;
    let f = this.files.get(name);
    if (!f) {
      f = this.openFile(name);
      this.files.set(name, f);
    }
    return f;
  }
}
