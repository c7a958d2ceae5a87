// The databases of git branches (postgres.branches): made on first use as a copy of the project
// database (`CREATE DATABASE … TEMPLATE`, which needs nobody connected to the source), recorded in
// .pgres/devenv/state/branches.json, dropped on request.
import { UserError } from '../errors.js';
import { type BranchRecord, readBranchRecords } from '../project/branches.js';
import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import type { ClusterFs } from './cluster-fs.js';
import { connectSql, ident, type SqlClient } from './sql-client.js';

/** Sessions on the source usually end soon (an app restarting, a test run): retry this long. */
const BUSY_WAIT_MS = 5000;

/** The copy of a branch's database waits for sessions on its source to end (a later try may work). */
export class SourceBusyError extends UserError {
  constructor(
    message: string,
    /** Who uses the source: "1 session (psql)". */
    readonly sessions: string,
  ) {
    super(message);
  }
}

/** Cheap (no connection): is the current branch's database not made yet? */
export function branchPending(project: Project): boolean {
  const db = project.branch?.name ? project.branch.database : null;
  return db !== null && !readBranchRecords(project.paths).some((r) => r.database === db);
}

/** A file about the cluster's contents: in .pgres (as root, written by the account that owns it). */
function writeRecords(project: Project, records: BranchRecord[], fs: ClusterFs): void {
  fs.write(project.paths.branches, `${JSON.stringify(records, null, 2)}\n`);
}

/** Forget branch databases that are gone. */
export function forgetBranchDatabases(project: Project, gone: BranchRecord[], fs: ClusterFs): void {
  const names = new Set(gone.map((r) => r.database));
  writeRecords(
    project,
    readBranchRecords(project.paths).filter((r) => !names.has(r.database)),
    fs,
  );
}

/**
 * Make the current branch's database (a copy of the project database) if it does not exist; record it.
 * One that exists without a record (made by hand, or its record lost) is used, and recorded as adopted:
 * `branch rm` never drops what devenv did not make.
 */
export async function ensureBranchDatabase(project: Project, out: Output, fs: ClusterFs): Promise<void> {
  const branch = project.branch;
  if (!branch?.name) return;
  const su = await connectSql(project, { database: 'postgres' });
  su.on('notice', () => undefined);
  let adopted = false;
  try {
    const found = await su.query('SELECT 1 FROM pg_database WHERE datname = $1', [branch.database]);
    adopted = Boolean(found.rowCount);
    if (!adopted) {
      await copyDatabase(su, project, branch.name, branch.database);
      out.info(
        `created database "${branch.database}" for git branch "${branch.name}" (a copy of "${project.database}")`,
      );
    }
  } finally {
    await su.end().catch(() => undefined);
  }
  const records = readBranchRecords(project.paths);
  const known = records.find((r) => r.database === branch.database && r.branch === branch.name);
  if (known) return;
  const record: BranchRecord = { database: branch.database, branch: branch.name, createdAt: new Date().toISOString() };
  if (adopted) record.adopted = true;
  // An older devenv may have recorded a configured database for this branch: forgotten, never dropped.
  const stale = (r: BranchRecord) =>
    r.database === branch.database || (r.branch === branch.name && project.databases.includes(r.database));
  writeRecords(project, [...records.filter((r) => !stale(r)), record], fs);
}

async function copyDatabase(su: SqlClient, project: Project, branch: string, target: string): Promise<void> {
  const role = project.config.postgres.role;
  const owner = role ? ` OWNER ${ident(role)}` : '';
  const sql = `CREATE DATABASE ${ident(target)} TEMPLATE ${ident(project.database)}${owner}`;
  const until = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      await su.query(sql);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42P04') return; // another devenv made it meanwhile
      if (code !== '55006' || Date.now() > until) throw await copyError(su, project, branch, err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** "source database is being accessed by other users": say who, and what to do. */
async function copyError(su: SqlClient, project: Project, branch: string, err: unknown): Promise<Error> {
  const what = `postgres.branches: cannot copy database "${project.database}" for git branch "${branch}"`;
  if ((err as { code?: string }).code !== '55006') return new UserError(`${what}: ${(err as Error).message}`);
  const r = await su.query<{ n: string; who: string }>(
    `SELECT count(*) AS n, string_agg(DISTINCT coalesce(nullif(application_name, ''), usename), ', ') AS who
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [project.database],
  );
  const n = Number(r.rows[0]?.n ?? 0);
  const who = r.rows[0]?.who ? ` (${r.rows[0].who})` : '';
  const sessions = `${n || 'other'} session${n === 1 ? '' : 's'}${who}`;
  return new SourceBusyError(
    `${what} while ${sessions} use${n === 1 ? 's' : ''} it (a copy needs it idle); ` +
      'close them, then run the command again',
    sessions,
  );
}

export interface BranchDatabase extends BranchRecord {
  /** Size on disk, or null when it no longer exists. */
  bytes: number | null;
}

/** The recorded branch databases, with their sizes (on a running server). */
export async function listBranchDatabases(project: Project): Promise<BranchDatabase[]> {
  const records = readBranchRecords(project.paths);
  if (records.length === 0) return [];
  const su = await connectSql(project, { database: 'postgres' });
  try {
    const r = await su.query<{ datname: string; bytes: string }>(
      'SELECT datname, pg_database_size(oid) AS bytes FROM pg_database WHERE datname = ANY($1)',
      [records.map((rec) => rec.database)],
    );
    const sizes = new Map(r.rows.map((row) => [row.datname, Number(row.bytes)]));
    return records.map((rec) => ({ ...rec, bytes: sizes.get(rec.database) ?? null }));
  } finally {
    await su.end().catch(() => undefined);
  }
}

/** Would `branch rm` drop this one? Not a database devenv did not make, nor one devenv.json names. */
export function dropsDatabase(project: Project, record: BranchRecord): boolean {
  return !record.adopted && !project.databases.includes(record.database);
}

/** Drop one branch database (sessions on it are ended; see dropsDatabase) and forget it. */
export async function dropBranchDatabase(project: Project, record: BranchRecord, fs: ClusterFs): Promise<void> {
  if (dropsDatabase(project, record)) {
    const su = await connectSql(project, { database: 'postgres' });
    su.on('notice', () => undefined);
    try {
      await su.query(`DROP DATABASE IF EXISTS ${ident(record.database)} WITH (FORCE)`);
    } finally {
      await su.end().catch(() => undefined);
    }
  }
  writeRecords(
    project,
    readBranchRecords(project.paths).filter((r) => r.database !== record.database),
    fs,
  );
}
