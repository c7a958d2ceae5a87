// PostgreSQL's client tools (psql, pg_dump, pg_upgrade, …) installed on this machine, with their majors.
// The embedded and fetched servers ship none: whatever needs a client tool of some major (a dump of an
// old cluster needs a pg_dump of that major or newer; pg_upgrade must be the new major's) looks here.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isExecutable, versionedDirs } from './binaries.js';

export type ClientTool = 'psql' | 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'pg_upgrade' | 'pg_isready';

export interface InstalledTool {
  tool: ClientTool;
  file: string;
  major: number;
  /** As the tool says it, e.g. "15.14". */
  version: string;
}

/** Bin dirs that may hold client tools, most specific first: per-major system dirs, Homebrew, then PATH. */
function toolDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = [
    ...versionedDirs('/usr/lib/postgresql', /^(\d+)$/).map((d) => path.join(d.dir, 'bin')),
    ...versionedDirs('/usr', /^pgsql-(\d+)$/).map((d) => path.join(d.dir, 'bin')),
  ];
  for (const prefix of ['/opt/homebrew/opt', '/usr/local/opt', '/home/linuxbrew/.linuxbrew/opt']) {
    dirs.push(...versionedDirs(prefix, /^postgresql@(\d+)$/).map((d) => path.join(d.dir, 'bin')));
    dirs.push(path.join(prefix, 'libpq', 'bin'), path.join(prefix, 'postgresql', 'bin'));
  }
  dirs.push(
    ...versionedDirs('/Applications/Postgres.app/Contents/Versions', /^(\d+)/).map((d) => path.join(d.dir, 'bin')),
  );
  dirs.push(...(env.PATH ?? '').split(path.delimiter).filter((d) => d && path.isAbsolute(d)));
  return dirs;
}

/** "pg_dump (PostgreSQL) 15.14 (Debian …)" → "15.14". */
function toolVersion(file: string): string | null {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10000 });
  const m = r.status === 0 ? /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(r.stdout) : null;
  return m ? m[1]! : null;
}

/** Every installed copy of `tool` (one per real file), newest major first. Asks each for its version. */
export function installedTools(tool: ClientTool, env: NodeJS.ProcessEnv = process.env): InstalledTool[] {
  const seen = new Set<string>();
  const found: InstalledTool[] = [];
  for (const dir of toolDirs(env)) {
    const file = path.join(dir, tool);
    if (!isExecutable(file)) continue;
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      continue;
    }
    // Debian's /usr/bin/psql is a wrapper picking a version itself: the per-major dirs came first.
    if (seen.has(real)) continue;
    seen.add(real);
    const version = toolVersion(file);
    if (version) found.push({ tool, file, major: Number(version.split('.')[0]), version });
  }
  return found.sort((a, b) => b.major - a.major);
}

/**
 * The copy of `tool` to use: of exactly one major (pg_upgrade must be the new cluster's), or the newest of
 * at least one (pg_dump must be as new as the server it dumps; PostgreSQL's docs advise the newer one for
 * an upgrade); null when none is installed.
 */
export function pickTool(
  tool: ClientTool,
  want: { exactly: number } | { atLeast: number },
  env: NodeJS.ProcessEnv = process.env,
): InstalledTool | null {
  const all = installedTools(tool, env);
  if ('exactly' in want) return all.find((t) => t.major === want.exactly) ?? null;
  return all.find((t) => t.major >= want.atLeast) ?? null;
}
