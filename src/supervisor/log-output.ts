// Prefixed, coloured terminal output per process, plus a per-process log file (each line with its time).
import type { Readable } from 'node:stream';
import kleur from 'kleur';
import { isProcessName } from '../app-definition.js';
import { type Sink, stdout } from '../util/terminal.js';
import { ChunkStamper } from './chunk-stamper.js';
import { paintLabel } from './label-colour.js';
import { LineSplitter, MAX_LINE_CHARS } from './line-splitter.js';
import { stampPrefix } from './log-stamp.js';
import { MAX_BYTES_PER_SECOND, RateGate } from './rate-gate.js';

/** Where one process's lines go (a RotatingLog under `devenv up`). */
export interface LogFile {
  /** Make the file exist (empty) if it does not yet. */
  create(): void;
  write(text: string | Buffer): void;
  close(): void;
}

export interface LogOutputOptions {
  /** Where prefixed lines go. Default: our stdout. null: nowhere (the background `up`: all is in the files). */
  out?: Sink | null;
  /** Colour the prefixes. Default kleur.enabled (off under NO_COLOR, non-TTY, TERM=dumb). */
  color?: boolean;
  /** Opens the file for `name`'s raw lines (once: when its process starts, or at its first line). None: no files. */
  logFile?: (name: string) => LogFile;
  /** Names known up front, so the padding is right from the first line. */
  names?: string[];
  /** Most bytes a second from one process stream into its log, times included (default 16 MiB, see RateGate). */
  maxBytesPerSecond?: number;
  /** The time each line gets in the files (tests pass their own). */
  clock?: () => number;
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
  private readonly clock: () => number;

  constructor(opts: LogOutputOptions = {}) {
    this.out = opts.out === undefined ? stdout : opts.out;
    this.perSecond = opts.maxBytesPerSecond ?? MAX_BYTES_PER_SECOND;
    this.clock = opts.clock ?? Date.now;
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
    this.writeLines(name, texts);
  }

  /** lines(), returning how many characters went into the file (what the rate gate counts). */
  private writeLines(name: string, texts: string[]): number {
    if (texts.length === 0) return 0;
    this.register(name);
    this.terminal(name, texts);
    return this.record(name, texts);
  }

  /**
   * Write lines to `<name>.log` only, not the terminal (the start line of a run, which `devenv logs`
   * shows as a separator). Each line begins with the time; returns the characters written.
   */
  record(name: string, texts: string[]): number {
    const file = this.file(name);
    if (!file || texts.length === 0) return 0;
    const stamp = stampPrefix(this.clock());
    const text = `${stamp}${texts.join(`\n${stamp}`)}\n`;
    file.write(text);
    return text.length;
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
   * came, each line after its time, cut only after a newline (so stdout and stderr never share a
   * line): byte work, no strings, so a process flooding its output costs little more than the copy.
   * The rate gate counts what goes into the file, times included: a flood of short lines (`yes`,
   * where the time is most of each line) is held to the same log churn as any other.
   */
  attach(name: string, stream: Readable): void {
    this.register(name);
    // The process has started: its log exists from now on, whether or not it has printed yet (`devenv
    // logs NAME` right after `up -d` shows an empty log instead of "no log for NAME").
    this.file(name)?.create();
    const rate = new RateGate(stream, this.perSecond);
    const entry = this.out ? this.byLine(name, stream, rate) : this.raw(name, stream, rate);
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

  private byLine(name: string, stream: Readable, rate: RateGate): Attached {
    const batch: string[] = [];
    const splitter = new LineSplitter((l) => batch.push(l));
    const emit = () => this.writeLines(name, batch.splice(0));
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      rate.take(Math.max(chunk.length, emit()));
    });
    return {
      end: () => {
        splitter.end();
        emit();
      },
    };
  }

  private raw(name: string, stream: Readable, rate: RateGate): Attached {
    const stamper = new ChunkStamper(MAX_LINE_CHARS);
    stream.on('data', (chunk: Buffer) => {
      const lines = stamper.push(chunk, this.clock());
      if (lines) this.file(name)?.write(lines);
      rate.take(Math.max(chunk.length, lines?.length ?? 0));
    });
    return {
      end: () => {
        const rest = stamper.end(this.clock());
        if (rest) this.file(name)?.write(rest);
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
    return this.color ? paintLabel(label, this.names.indexOf(name)) : label;
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
