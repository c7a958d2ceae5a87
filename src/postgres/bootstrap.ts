import path from 'node:path';
import { UserError } from '../errors.js';
import { diskFullMessage, isDiskFull } from '../util/disk-space.js';
import { run } from '../util/run.js';
import type { Binaries } from './binaries.js';
import { spawnIdentity, type Account } from './privileges.js';

/** How every cluster (and template) is made: socket trust only, TCP rejected, small WAL segments. */
export const INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale=C',
  '--auth-local=trust',
  '--auth-host=reject',
  '--no-sync',
  '--wal-segsize=1',
];

export async function initdb(
  binaries: Binaries,
  dir: string,
  superuser: string,
  account: Account | null,
): Promise<void> {
  const r = await run(path.join(binaries.bindir, 'initdb'), ['-D', dir, '-U', superuser, ...INITDB_FLAGS], {
    ...spawnIdentity(account),
    env: { ...cleanEnv(), LC_ALL: 'C' },
  });
  if (r.code !== 0) {
    const output = r.stderr || r.stdout;
    if (isDiskFull(output)) throw new UserError(diskFullMessage(dir, 'initdb failed'));
    throw new UserError(`initdb failed (exit ${r.code ?? r.signal}): ${errorLines(output, 3)}`);
  }
}

/** Create the project database in single-user mode, before any server runs. */
export async function createDatabase(
  binaries: Binaries,
  dir: string,
  database: string,
  account: Account | null,
): Promise<void> {
  if (['postgres', 'template0', 'template1'].includes(database)) return;
  const ident = `"${database.replace(/"/g, '""')}"`;
  // exit_on_error: otherwise --single exits 0 even when the SQL fails.
  const r = await run(
    path.join(binaries.bindir, 'postgres'),
    ['--single', '-D', dir, '-c', 'exit_on_error=on', 'template1'],
    {
      ...spawnIdentity(account),
      env: cleanEnv(),
      input: `CREATE DATABASE ${ident};\n`,
    },
  );
  if (r.code !== 0 || /\bERROR:|FATAL:/.test(r.stderr)) {
    if (isDiskFull(r.stderr)) throw new UserError(diskFullMessage(dir, `creating database "${database}" failed`));
    throw new UserError(`creating database "${database}" failed: ${errorLines(r.stderr, 3)}`);
  }
}

/** Our environment minus PG* variables that would steer initdb/postgres elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^PG[A-Z]/.test(k) && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return env;
}

/**
 * The lines that say what went wrong: initdb and postgres end with clean-up chatter ("removing
 * contents of data directory") that would push the cause out of a short tail.
 */
export function errorLines(text: string, n: number): string {
  const lines = text.trim().split('\n').filter(Boolean);
  const errors = lines.filter((l) => /\b(error|FATAL|PANIC)\b|could not/i.test(l));
  return (errors.length ? errors : lines).slice(-n).join(' | ') || '(no output)';
}

export function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}
