/**
 * The state of one built-in shell session (connection, variables, print settings, where input comes from)
 * and running SQL in it: results printed as psql prints them, notices and errors on stderr with psql's
 * `psql:FILE:LINE:` prefix in scripts, `\timing`, and the ERROR/ROW_COUNT/SQLSTATE variables.
 */
import type { Sink } from '../util/terminal.js';
import type { Connection } from './connection.js';
import { type Decorations, defaultPrintOptions, type PrintOptions, type Table } from './print-options.js';
import { formatTable } from './print-table.js';
import { type QueryOutcome, type QueryResult, runQuery } from './run-query.js';
import { formatServerMessage, type ServerMessage } from './server-message.js';
import { Variables } from './variables.js';

/** Where lines come from: a terminal, a file (-f, \i), or piped stdin. */
export interface LineSource {
  /** The next line without its newline; null at the end. `data`: a COPY row is read (Ctrl-C fails the COPY). */
  next(prompt: string, data?: boolean): Promise<string | null>;
  /** 1-based number of the line last returned. */
  lineNumber: number;
  /** The file name psql puts in message prefixes (`psql:NAME:LINE:`); null for a terminal or stdin. */
  name: string | null;
  interactive: boolean;
}

/** The data lines after a COPY … FROM STDIN in the same input, up to `\.` or the end. */
export async function* copyLines(source: LineSource, prompt: string): AsyncGenerator<string> {
  for (;;) {
    const line = await source.next(source.interactive ? prompt : '', true);
    if (line === null || line === '\\.') return;
    yield `${line}\n`;
  }
}

export interface Io {
  out: Sink;
  err: Sink;
  /** Terminal width for `\x auto`, when stdout is a terminal. */
  columns?: number;
}

export class Shell {
  readonly vars = new Variables();
  popt: PrintOptions = defaultPrintOptions();
  timing = false;
  /** The input being read, for message prefixes and COPY data. */
  source: LineSource | null = null;
  /** Where COPY … FROM STDIN reads when the statement came from `-c` (stdin). */
  stdinSource: () => LineSource;
  /** The last query sent (for \g with an empty buffer). */
  lastQuery = '';
  /** Set by a cancel that hit no running query (Ctrl-C in a script stops it, as in psql). */
  cancelled = false;
  private running = false;

  constructor(
    public conn: Connection,
    readonly io: Io,
    stdinSource: () => LineSource,
  ) {
    this.stdinSource = stdinSource;
    this.attach(conn);
  }

  /** After \c or a reset: use this connection from now on. */
  replaceConnection(conn: Connection): void {
    this.conn = conn;
    this.attach(conn);
  }

  private attach(conn: Connection): void {
    conn.client.on('notice', (msg) => this.notice(msg as ServerMessage));
    this.vars.set('DBNAME', conn.target.database);
    this.vars.set('USER', conn.user);
    this.vars.set('HOST', conn.target.host);
    this.vars.set('PORT', String(conn.target.port));
    this.vars.set('ENCODING', conn.params.get('client_encoding') ?? 'UTF8');
    this.vars.set('SERVER_VERSION_NAME', conn.serverVersion);
    const [major = '0', minor = '0'] = conn.serverVersion.split(/[.\s]/);
    this.vars.set('SERVER_VERSION_NUM', String(Number(major) * 10000 + Number(minor)));
  }

  get quiet(): boolean {
    return this.vars.bool('QUIET');
  }

  /** `psql:FILE:LINE: ` while a file runs, else nothing. */
  prefix(): string {
    const s = this.source;
    return s?.name ? `psql:${s.name}:${s.lineNumber}: ` : '';
  }

  /** One of psql's own error messages (not the server's), on stderr; in a script with its location. */
  error(message: string): void {
    const prefix = this.prefix();
    this.io.err.write(`${prefix}${prefix ? 'error: ' : ''}${message}\n`);
  }

  info(message: string): void {
    if (!this.quiet) this.io.out.write(`${message}\n`);
  }

  private notice(msg: ServerMessage): void {
    this.io.err.write(formatServerMessage(msg, undefined, this.prefix()));
  }

  print(table: Table, deco: Decorations = {}): void {
    this.io.out.write(formatTable(table, this.popt, deco, this.io.columns));
  }

  /** Run a query and print its results; false when it failed. */
  async sendQuery(sql: string, copyInSource?: () => AsyncIterable<Buffer | string>, copyOut?: Sink): Promise<boolean> {
    this.lastQuery = sql;
    if (!this.conn.alive) {
      this.error('You are currently not connected to a database.');
      return false;
    }
    const echo = this.vars.get('ECHO');
    if (echo === 'queries') this.io.out.write(`${sql}\n`);
    const started = performance.now();
    let rowCount = 0;
    this.running = true;
    let outcome: QueryOutcome;
    try {
      outcome = await runQuery(this.conn, sql, {
        onResult: (r) => {
          rowCount = this.printResult(r, copyOut !== undefined);
        },
        copyIn: () => (copyInSource ?? (() => this.copyFromInput()))(),
        copyOut: (chunk) => (copyOut ?? this.io.out).write(chunk.toString()),
      });
    } finally {
      this.running = false;
    }
    if (this.timing) this.io.out.write(`Time: ${formatElapsed(performance.now() - started)}\n`);
    if (outcome.error) {
      if (echo === 'errors') this.io.err.write(`${this.prefix()}STATEMENT:  ${sql}\n`);
      this.reportError(outcome.error, sql);
      return false;
    }
    this.vars.set('ERROR', 'false');
    this.vars.set('SQLSTATE', '00000');
    this.vars.set('ROW_COUNT', String(rowCount));
    return true;
  }

  get queryRunning(): boolean {
    return this.running;
  }

  reportError(error: ServerMessage & { code?: string }, sql: string): void {
    this.vars.set('ERROR', 'true');
    if (!error.severity) {
      this.io.err.write(`${this.prefix()}${connectionLost(error.message)}\n`);
      return;
    }
    this.vars.set('SQLSTATE', error.code ?? '');
    this.vars.set('LAST_ERROR_MESSAGE', error.message);
    this.vars.set('LAST_ERROR_SQLSTATE', error.code ?? '');
    this.vars.set('ROW_COUNT', '0');
    this.io.err.write(formatServerMessage(error, sql, this.prefix()));
  }

  /** Print one result as psql does: the table, then for DML with RETURNING (and all non-tables) the tag. */
  private printResult(r: QueryResult, copyToSink: boolean): number {
    const count = /^(?:SELECT|INSERT \d+|UPDATE|DELETE|MERGE|COPY|FETCH|MOVE) (\d+)$/.exec(r.tag);
    if (r.table) {
      this.print(r.table);
      if (/^(INSERT|UPDATE|DELETE|MERGE) /.test(r.tag)) this.info(r.tag);
    } else if (r.copy !== 'out' || copyToSink) {
      // COPY … TO STDOUT: the data is the output, no tag after it (a \copy to a file does print it)
      this.info(r.tag);
    }
    return count ? Number(count[1]) : 0;
  }

  /** COPY … FROM STDIN data: from the script being read, or stdin for `-c`; a terminal is prompted. */
  private copyFromInput(): AsyncIterable<string> {
    const source = this.source ?? this.stdinSource();
    if (source.interactive && !this.quiet) {
      this.io.out.write(
        'Enter data to be copied followed by a newline.\n' +
          'End with a backslash and a period on a line by itself, or an EOF signal.\n',
      );
    }
    return copyLines(source, this.vars.get('PROMPT3') ?? '>> ');
  }

  /** Ctrl-C: cancel the running query; true when there was one. */
  cancel(): boolean {
    if (!this.running) return false;
    void this.conn.cancel(() => this.io.err.write('Cancel request sent\n'));
    return true;
  }
}

function connectionLost(message: string | undefined): string {
  return /terminated|closed|ECONNRESET|EPIPE|ended/i.test(message ?? '')
    ? 'server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n' +
        '\tbefore or while processing the request.'
    : (message ?? 'connection lost');
}

/** `\timing`'s "1.234 ms", with "(mm:ss.fff)" and longer forms from a second on, as psql prints it. */
export function formatElapsed(ms: number): string {
  const base = `${ms.toFixed(3)} ms`;
  if (ms < 1000) return base;
  let s = ms / 1000;
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = s.toFixed(3).padStart(6, '0');
  const mm = String(m).padStart(2, '0');
  if (days > 0) return `${base} (${days} d ${String(h).padStart(2, '0')}:${mm}:${sec})`;
  if (h > 0) return `${base} (${String(h).padStart(2, '0')}:${mm}:${sec})`;
  return `${base} (${mm}:${sec})`;
}
