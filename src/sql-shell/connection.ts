/**
 * One connection of the built-in shell: node-postgres over the given socket, plus what psql keeps about
 * it (server parameters for the prompt and \conninfo, the transaction status after each command) and a
 * real cancel request on a second connection (the backend's pid and secret key), as psql sends on Ctrl-C.
 */
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import type { Client } from 'pg';

export interface ConnectTarget {
  /** A socket directory (absolute path) or a host name. */
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
}

export class ConnectError extends Error {}

export class Connection {
  readonly params = new Map<string, string>();
  /** I (idle), T (in a transaction block), E (in a failed one), as the server last said. */
  txStatus = 'I';
  /** Told when the server starts a COPY … TO STDOUT (node-postgres does not pass that message on). */
  onCopyOut: (() => void) | null = null;
  private ready: (() => void)[] = [];
  private ended = false;

  private constructor(
    readonly client: Client,
    readonly target: ConnectTarget,
  ) {}

  static async open(target: ConnectTarget): Promise<Connection> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      password: target.password ?? '',
      ssl: false,
      application_name: 'psql',
    });
    const conn = new Connection(client, target);
    const con = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    con.on('parameterStatus', (msg: { parameterName: string; parameterValue: string }) =>
      conn.params.set(msg.parameterName, msg.parameterValue),
    );
    con.on('readyForQuery', (msg: { status: string }) => {
      conn.txStatus = msg.status;
      for (const r of conn.ready.splice(0)) r();
    });
    con.on('copyOutResponse', () => conn.onCopyOut?.());
    const gone = () => {
      conn.ended = true;
      for (const r of conn.ready.splice(0)) r();
    };
    client.on('end', gone);
    // A lost connection is reported by the query that notices it; this keeps it from being fatal.
    client.on('error', gone);
    try {
      await client.connect();
    } catch (err) {
      client.removeAllListeners('end');
      throw new ConnectError(connectFailure(target, err));
    }
    return conn;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Resolves at the server's next ReadyForQuery (or when the connection ends). */
  nextReady(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.ready.push(resolve));
  }

  get serverVersion(): string {
    return this.params.get('server_version') ?? '';
  }

  get isSuperuser(): boolean {
    return this.params.get('is_superuser') === 'on';
  }

  get user(): string {
    return this.params.get('session_authorization') ?? this.target.user;
  }

  /**
   * Ask the server to cancel what this connection runs (a CancelRequest on a second connection).
   * `sent` is called once the request is on its way: before the server can answer the cancelled query.
   */
  cancel(sent: () => void = () => undefined): Promise<void> {
    const { processID, secretKey } = this.client as unknown as { processID: number; secretKey: number };
    const msg = Buffer.alloc(16);
    msg.writeInt32BE(16, 0);
    msg.writeInt32BE(80877102, 4);
    msg.writeInt32BE(processID, 8);
    msg.writeInt32BE(secretKey, 12);
    return new Promise((resolve) => {
      const socket = isSocketDir(this.target.host)
        ? netConnect(socketPath(this.target))
        : netConnect(this.target.port, this.target.host);
      socket.on('connect', () => {
        sent();
        socket.end(msg);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.client.end().catch(() => undefined);
  }
}

function isSocketDir(host: string): boolean {
  return host.startsWith('/');
}

export function socketPath(t: ConnectTarget): string {
  return path.join(t.host, `.s.PGSQL.${t.port}`);
}

/** psql's line for a failed connection (after "psql: error: "). */
function connectFailure(t: ConnectTarget, err: unknown): string {
  const where = isSocketDir(t.host)
    ? `connection to server on socket "${socketPath(t)}" failed`
    : `connection to server at "${t.host}", port ${t.port} failed`;
  const e = err as { severity?: string; message?: string; code?: string };
  if (e.severity) return `${where}: ${e.severity}:  ${e.message}`;
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
    const what = e.code === 'ENOENT' ? 'No such file or directory' : 'Connection refused';
    return `${where}: ${what}\n\tIs the server running locally and accepting connections on that socket?`;
  }
  return `${where}: ${e.message ?? String(err)}`;
}
