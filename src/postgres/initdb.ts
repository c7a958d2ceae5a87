// Making a cluster's files, before any server runs: initdb, then the project database in single-user mode.
import path from 'node:path';
import { UserError } from '../errors.js';
import { platform } from '../platform/platform.js';
import { diskFullMessage, isDiskFull } from '../util/disk-space.js';
import { run } from '../util/run-program.js';
import { errorLines } from '../util/text.js';
import type { Binaries } from './binaries.js';
import type { ClusterFs } from './cluster-fs.js';

/** How every cluster (and template) is made: socket trust only, TCP rejected, small WAL segments. */
export const INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale=C',
  '--auth-local=trust',
  '--auth-host=reject',
  '--no-sync',
  '--wal-segsize=1',
];

export async function initdb(binaries: Binaries, dir: string, superuser: string, fs: ClusterFs): Promise<void> {
  const as = fs.spawnOptions();
  const r = await run(path.join(binaries.bindir, 'initdb'), ['-D', dir, '-U', superuser, ...INITDB_FLAGS], {
    ...as,
    env: { ...as.env, LC_ALL: 'C' },
  });
  if (r.code !== 0) {
    const output = r.stderr || r.stdout;
    if (isDiskFull(output)) throw new UserError(diskFullMessage(dir, 'initdb failed'));
    throw new UserError(`initdb failed (exit ${r.code ?? r.signal}): ${errorLines(output, 3)}`);
  }
}

/**
 * Create the project database in single-user mode, before any server runs, then flush the whole cluster
 * to disk. Postgres would fsync each of the new database's ~300 files at its shutdown checkpoint (and
 * initdb --no-sync, a copied template, nothing at all): with fsync=off it only writes them, and one
 * syncfs afterwards makes everything durable before the cluster is used (~0.1–0.4 s less here).
 */
export async function createDatabase(binaries: Binaries, dir: string, database: string, fs: ClusterFs): Promise<void> {
  if (['postgres', 'template0', 'template1'].includes(database)) return platform().flushTree(dir);
  // What initdb (or the template's copy) wrote goes to disk while postgres copies template1, so the
  // flush after it has little more than the new database to write: here ~0.13 s for both, ~0.26 s
  // one after the other.
  const early = platform().flushAhead(dir);
  try {
    await singleUserCreate(binaries, dir, database, fs);
  } finally {
    await early;
  }
  await platform().flushTree(dir);
}

async function singleUserCreate(binaries: Binaries, dir: string, database: string, fs: ClusterFs): Promise<void> {
  const ident = `"${database.replace(/"/g, '""')}"`;
  // A copy of template1's files, as before 15, rather than 15's default of writing every page to the WAL.
  const strategy = binaries.major >= 15 ? ' STRATEGY = FILE_COPY' : '';
  // exit_on_error: otherwise --single exits 0 even when the SQL fails. One backend for one statement needs
  // no shared memory sized for a server: a smaller one is ~8 ms less to set up (not kept anywhere).
  const small = ['-c', 'shared_buffers=1MB', '-c', 'max_connections=10'];
  const r = await run(
    path.join(binaries.bindir, 'postgres'),
    ['--single', '-D', dir, '-c', 'exit_on_error=on', '-c', 'fsync=off', ...small, 'template1'],
    { ...fs.spawnOptions(), input: `CREATE DATABASE ${ident}${strategy};\n` },
  );
  if (r.code !== 0 || /\bERROR:|FATAL:/.test(r.stderr)) {
    if (isDiskFull(r.stderr)) throw new UserError(diskFullMessage(dir, `creating database "${database}" failed`));
    throw new UserError(`creating database "${database}" failed: ${errorLines(r.stderr, 3)}`);
  }
}
