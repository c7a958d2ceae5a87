import { userInfo } from 'node:os';
import type { Config } from './config.js';
import { PG_PORT, type ProjectPaths } from './paths.js';
import { TCP_HOST, type TcpEndpoint } from './tcp.js';

/** The OS user name: it names the cluster's superuser and the default database. */
export function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || process.env.LOGNAME || 'postgres';
  }
}

export function databaseName(config: Config): string {
  return config.postgres.database ?? osUserName();
}

/** libpq wants the socket directory percent-encoded in the host parameter. */
function encodeComponent(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Socket URL; the port (which names the socket file) only when it is not the default. */
export function databaseUrl(user: string, database: string, socketDir: string, port: number = PG_PORT): string {
  const url = `postgresql://${encodeComponent(user)}@/${encodeComponent(database)}?host=${encodeComponent(socketDir)}`;
  return port === PG_PORT ? url : `${url}&port=${port}`;
}

export function tcpDatabaseUrl(user: string, database: string, port: number, password?: string | null): string {
  const auth = encodeComponent(user) + (password ? `:${encodeComponent(password)}` : '');
  return `postgresql://${auth}@${TCP_HOST}:${port}/${encodeComponent(database)}`;
}

export interface Contract {
  paths: ProjectPaths;
  /** The server's port (names the socket file; the TCP port when postgres.tcp is on). */
  port: number;
  tcp: TcpEndpoint | null;
  /** Who clients log in as: postgres.role, else the superuser. */
  user: string;
  database: string;
  /** The TCP password, only where it may be seen (apps under up/exec, `env --reveal`). */
  password?: string | null;
}

/** The environment contract every consumer (shell hook, apps, psql) sees. */
export function contractEnvironment(c: Contract): Record<string, string> {
  const env: Record<string, string> = {
    PGDATA: c.paths.pgdata,
    PGHOST: c.paths.socketDir,
    PGPORT: String(c.port),
    PGUSER: c.user,
    PGDATABASE: c.database,
    DATABASE_URL: databaseUrl(c.user, c.database, c.paths.socketDir, c.port),
  };
  if (c.tcp) env.DATABASE_URL_TCP = tcpDatabaseUrl(c.user, c.database, c.tcp.port, c.password);
  return env;
}
