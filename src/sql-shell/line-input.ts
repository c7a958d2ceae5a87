/**
 * Where the shell's lines come from: a file (-f, \i), piped stdin, or a terminal with line editing and
 * history (node:readline; the history file lives in the user's state dir). On a terminal Ctrl-C while
 * a query runs cancels it; at the prompt it drops what was typed; Ctrl-D on an empty line ends the session.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { LineSource } from './shell.js';

export function fileSource(name: string, text: string): LineSource {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const source: LineSource = {
    name,
    interactive: false,
    lineNumber: 0,
    next: async () => {
      if (source.lineNumber >= lines.length) return null;
      return lines[source.lineNumber++]!;
    },
  };
  return source;
}

/** Piped stdin, read as it arrives (COPY data may follow statements). */
export function streamSource(input: NodeJS.ReadableStream, name: string | null): LineSource {
  const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  const it = rl[Symbol.asyncIterator]();
  const source: LineSource = {
    name,
    interactive: false,
    lineNumber: 0,
    next: async () => {
      const r = await it.next();
      if (r.done) return null;
      source.lineNumber++;
      return r.value;
    },
  };
  return source;
}

const HISTORY_SIZE = 500;

export interface Terminal extends LineSource {
  /** Stop reading (SIGTERM, \q): the pending read gets null. */
  close(): void;
}

/**
 * A terminal. `onInterrupt` is asked first on Ctrl-C: true means it cancelled a running query; otherwise
 * the typed line is dropped (`^C`, a fresh prompt) and `dropped` is called so the statement buffer goes too.
 */
export function terminalSource(historyFile: string | null, onInterrupt: () => boolean, dropped: () => void): Terminal {
  let history: string[] = [];
  if (historyFile) {
    try {
      history = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
    } catch {
      // no history yet
    }
  }
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: false,
  });
  const queued: string[] = [];
  let waiting: { resolve: (line: string | null) => void; reject: (err: Error) => void; data: boolean } | null = null;
  let closed = false;
  const deliver = (line: string | null) => {
    const w = waiting;
    waiting = null;
    w?.resolve(line);
  };
  rl.on('line', (line) => {
    if (historyFile && line.trim() !== '') saveHistory(historyFile, line);
    if (waiting) deliver(line);
    else queued.push(line); // typed ahead while a query ran
  });
  rl.on('close', () => {
    closed = true;
    deliver(null);
  });
  rl.on('SIGINT', () => {
    if (waiting?.data) {
      // Ctrl-C while typing COPY rows: the COPY fails (psql sends CopyFail the same way)
      const w = waiting;
      waiting = null;
      process.stdout.write('\n');
      w.reject(new Error('canceled by user'));
      return;
    }
    if (onInterrupt()) return;
    const state = rl as unknown as { line: string; cursor: number };
    process.stdout.write('^C\n');
    state.line = '';
    state.cursor = 0;
    queued.length = 0;
    dropped();
    deliver('');
  });
  const source: Terminal = {
    name: null,
    interactive: true,
    lineNumber: 0,
    next: (prompt, data = false) => {
      source.lineNumber++;
      const typed = queued.shift();
      if (typed !== undefined) return Promise.resolve(typed);
      if (closed) return Promise.resolve(null);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject, data };
        rl.setPrompt(prompt);
        rl.prompt();
      });
    },
    close: () => rl.close(),
  };
  return source;
}

function saveHistory(file: string, line: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, `${line.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
    trimHistory(file);
  } catch {
    // history is a convenience: a read-only state dir must not break the shell
  }
}

/** Keep the file from growing without end: rewrite it to the newest lines now and then. */
function trimHistory(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (lines.length > HISTORY_SIZE * 2) writeFileSync(file, `${lines.slice(-HISTORY_SIZE).join('\n')}\n`);
}
