// Prefixed, coloured terminal output per process, plus a raw per-process log file.
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
  write(text: string): void;
  close(): void;
}

export interface LogOutputOptions {
  /** Where prefixed lines go. Default: our stdout. null: nowhere (the background `up`: all is in the files). */
  out?: Sink | null;
  /** Colour the prefixes. Default kleur.enabled (off under NO_COLOR, non-TTY, TERM=dumb). */
  color?: boolean;
  /** Opens the file that gets `name`'s raw lines (once, at its first line). None: no files. */
  logFile?: (name: string) => LogFile;
  /** Names known up front, so the padding is right from the first line. */
  names?: string[];
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

  constructor(opts: LogOutputOptions = {}) {
    this.out = opts.out === undefined ? stdout : opts.out;
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

  /** Route a process stream through a line splitter; a partial last line is flushed at its end. */
  attach(name: string, stream: Readable): LineSplitter {
    this.register(name);
    const batch: string[] = [];
    const splitter = new LineSplitter((l) => batch.push(l));
    const emit = () => this.lines(name, batch.splice(0));
    const entry: Attached = {
      end: () => {
        splitter.end();
        emit();
      },
    };
    const set = this.attached.get(name) ?? new Set<Attached>();
    this.attached.set(name, set);
    set.add(entry);
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      emit();
    });
    const done = () => {
      entry.end();
      set.delete(entry);
    };
    stream.once('end', done);
    stream.once('close', done);
    return splitter;
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
