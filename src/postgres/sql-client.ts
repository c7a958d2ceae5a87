import type { Client } from 'pg';
import type { Project } from '../project/project.js';
import { readPostmasterPid } from './postmaster-pid.js';

export type SqlClient = Client;

/**
 * A node-postgres connection to the project's running server over its Unix socket: as the
 * superuser to the main database unless told otherwise. Loaded on demand (pg costs ~20 ms to import).
 */
export async function connectSql(project: Project, opts: { user?: string; database?: string } = {}): Promise<Client> {
  const { default: pg } = await import('pg');
  // The running server's own port: it may predate a postgres.tcp change that a restart applies.
  const port = readPostmasterPid(project.paths.pgdata)?.port || project.port;
  const client = new pg.Client({
    host: project.paths.socketDir,
    port,
    user: opts.user ?? project.superuser,
    database: opts.database ?? project.database,
    // Nothing from the caller's PG* environment (PGSSLMODE, PGPASSWORD, ...): the socket is ours.
    ssl: false,
    password: '',
    application_name: 'devenv',
  });
  await client.connect();
  return client;
}

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A standard SQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
