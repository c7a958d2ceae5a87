/**
 * Sends one query string (simple protocol: it may hold several statements, as `-c` does) and hands each
 * result over as soon as it is complete, the way psql prints them: a table and/or its command tag. COPY
 * is handled where the server asks for it (no guessing from the SQL text): `FROM STDIN` reads the
 * caller's copy source, `TO STDOUT` writes to the caller's sink.
 */
import type { Connection } from './connection.js';
import type { Column, Table } from './print-options.js';
import type { ServerMessage } from './server-message.js';

export interface QueryResult {
  table?: Table;
  /** The command tag (SELECT 3, INSERT 0 1, CREATE TABLE, COPY 2). */
  tag: string;
  /** The result was a COPY from or to the client. */
  copy: 'in' | 'out' | null;
}

export interface QueryHooks {
  onResult(result: QueryResult): void;
  /** The data of a COPY … FROM STDIN; ends with the data (no `\.` needed). A throw fails the COPY. */
  copyIn(): AsyncIterable<Buffer | string>;
  copyOut(chunk: Buffer): void;
}

export interface QueryOutcome {
  /** A server error (ErrorResponse), or a lost connection (no severity). */
  error?: ServerMessage & { severity?: string };
}

interface WireConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): boolean | undefined;
  endCopyFrom(): void;
  sendCopyFail(msg: string): void;
  stream: NodeJS.EventEmitter & { writableNeedDrain?: boolean };
}

/** A node-postgres "submittable": the client routes every protocol message of the query here. */
class ShellQuery {
  private columns: Column[] | null = null;
  private rows: (string | null)[][] = [];
  private copying: 'in' | 'out' | null = null;
  private failed = false;
  callback?: () => void;

  constructor(
    readonly text: string,
    private readonly hooks: QueryHooks,
    private readonly done: (outcome: QueryOutcome) => void,
  ) {}

  submit(connection: WireConnection): void {
    connection.query(this.text);
  }

  handleRowDescription(msg: { fields: { name: string; dataTypeID: number }[] }): void {
    this.columns = msg.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID }));
    this.rows = [];
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.rows.push(msg.fields);
  }

  handleCommandComplete(msg: { text: string }): void {
    const table = this.columns ? { columns: this.columns, rows: this.rows } : undefined;
    this.columns = null;
    this.rows = [];
    const copy = this.copying;
    this.copying = null;
    this.hooks.onResult({ table, tag: msg.text, copy });
  }

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: WireConnection): void {
    this.copying = 'in';
    void this.pumpCopy(connection);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    this.hooks.copyOut(msg.chunk);
  }

  copyOutStarted(): void {
    this.copying = 'out';
  }

  handleError(err: ServerMessage): void {
    this.failed = true;
    this.done({ error: err });
  }

  handleReadyForQuery(): void {
    if (!this.failed) this.done({});
  }

  private async pumpCopy(connection: WireConnection): Promise<void> {
    try {
      for await (const chunk of this.hooks.copyIn()) {
        if (this.failed) return; // the server gave up (an error in the data): stop sending
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (data.length === 0) continue;
        connection.sendCopyFromChunk(data);
        if (connection.stream.writableNeedDrain) await new Promise((r) => connection.stream.once('drain', r));
      }
      if (!this.failed) connection.endCopyFrom();
    } catch (err) {
      if (!this.failed) connection.sendCopyFail(err instanceof Error ? err.message : String(err));
    }
  }
}

/**
 * Run `sql`; resolves once the server is ready for the next command (so the transaction status that
 * the prompt shows is current), or the connection is gone.
 */
export function runQuery(conn: Connection, sql: string, hooks: QueryHooks): Promise<QueryOutcome> {
  return new Promise((resolve) => {
    const query = new ShellQuery(sql, hooks, (outcome) => {
      if (outcome.error?.severity && conn.alive) conn.nextReady().then(() => resolve(outcome));
      else resolve(outcome);
    });
    conn.onCopyOut = () => query.copyOutStarted();
    conn.client.query(query as never);
  });
}
