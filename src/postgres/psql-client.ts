// The psql that `devenv psql` runs: the embedded and fetched servers ship none, so one installed on this
// machine, or else the built-in SQL shell.
import path from 'node:path';
import { isExecutable, versionedDirs } from './binaries.js';

/** The SQL client `devenv psql` runs: a system psql, or its built-in shell when none is installed. */
export type PsqlClient = { kind: 'system'; path: string } | { kind: 'builtin' };

export function psqlClient(bindir: string | null, env: NodeJS.ProcessEnv = process.env): PsqlClient {
  const found = findPsql(bindir, env);
  return found ? { kind: 'system', path: found } : { kind: 'builtin' };
}

/** psql is not in the embedded package: look next to the server, on PATH, then in system dirs. */
export function findPsql(bindir: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [
    ...(bindir ? [bindir] : []),
    ...(env.PATH ?? '').split(path.delimiter).filter((d) => d && path.isAbsolute(d)),
    ...versionedDirs('/usr/lib/postgresql', /^(\d+)$/).map((d) => path.join(d.dir, 'bin')),
    ...versionedDirs('/usr', /^pgsql-(\d+)$/).map((d) => path.join(d.dir, 'bin')),
    '/opt/homebrew/bin',
    '/usr/local/bin',
  ];
  for (const dir of dirs) {
    const file = path.join(dir, 'psql');
    if (isExecutable(file)) return file;
  }
  return null;
}
