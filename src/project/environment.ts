import { userInfo } from 'node:os';
import type { Config } from './config.js';
import { PG_PORT, type ProjectPaths } from './paths.js';

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

export function databaseUrl(user: string, database: string, socketDir: string): string {
  return `postgresql://${encodeComponent(user)}@/${encodeComponent(database)}?host=${encodeComponent(socketDir)}`;
}

/** The environment contract every consumer (shell hook, apps, psql) sees. */
export function projectEnvironment(paths: ProjectPaths, config: Config): Record<string, string> {
  const user = osUserName();
  const database = databaseName(config);
  return {
    PGDATA: paths.pgdata,
    PGHOST: paths.socketDir,
    PGPORT: String(PG_PORT),
    PGUSER: user,
    PGDATABASE: database,
    DATABASE_URL: databaseUrl(user, database, paths.socketDir),
  };
}
