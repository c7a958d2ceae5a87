import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cacheDir } from '../util/user-dirs.js';
import { EMBEDDED_PACKAGE, embeddedServer } from './embedded-package.js';

export interface Binaries {
  bindir: string;
  major: number;
  /** Full version as the server reports it, e.g. "15.18". */
  version: string;
  /**
   * How it was found: "config", "PGRES_BINDIR", "PATH", "pg_config", "system", "homebrew", "postgres.app" or
   * "embedded".
   */
  source: string;
}

interface Candidate {
  bindir: string;
  source: string;
  /** Major known from the location, before asking the binary. */
  majorHint?: number;
  /** Why this candidate may not run (said when nothing else is found). */
  problem?: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasServer(bindir: string): boolean {
  return isExecutable(path.join(bindir, 'initdb')) && isExecutable(path.join(bindir, 'postgres'));
}

/** Numbered subdirectories of `base` (e.g. /usr/lib/postgresql/15), newest first. */
function versionedDirs(base: string, pattern: RegExp): { dir: string; major: number }[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: pattern.exec(name) }))
    .filter((x) => x.m)
    .map((x) => ({ dir: path.join(base, x.name), major: Number(x.m![1]) }))
    .sort((a, b) => b.major - a.major);
}

function embeddedCandidate(): Candidate | null {
  const e = embeddedServer();
  return e && { ...e, source: 'embedded' };
}

function pathCandidates(env: NodeJS.ProcessEnv): Candidate[] {
  const out: Candidate[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && path.isAbsolute(dir) && isExecutable(path.join(dir, 'initdb')))
      out.push({ bindir: dir, source: 'PATH' });
  }
  return out;
}

function pgConfigCandidate(env: NodeJS.ProcessEnv): Candidate[] {
  const hasPgConfig = (env.PATH ?? '').split(path.delimiter).some((d) => d && isExecutable(path.join(d, 'pg_config')));
  if (!hasPgConfig) return [];
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', env, timeout: 5000 });
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return dir ? [{ bindir: dir, source: 'pg_config' }] : [];
}

function wellKnownCandidates(): Candidate[] {
  const out: Candidate[] = [];
  for (const { dir, major } of versionedDirs('/usr/lib/postgresql', /^(\d+)$/)) {
    out.push({ bindir: path.join(dir, 'bin'), source: 'system', majorHint: major });
  }
  for (const { dir, major } of versionedDirs('/usr', /^pgsql-(\d+)$/)) {
    out.push({ bindir: path.join(dir, 'bin'), source: 'system', majorHint: major });
  }
  for (const prefix of ['/opt/homebrew/opt', '/usr/local/opt', '/home/linuxbrew/.linuxbrew/opt']) {
    for (const { dir, major } of versionedDirs(prefix, /^postgresql@(\d+)$/)) {
      out.push({ bindir: path.join(dir, 'bin'), source: 'homebrew', majorHint: major });
    }
    out.push({ bindir: path.join(prefix, 'postgresql', 'bin'), source: 'homebrew' });
  }
  for (const { dir, major } of versionedDirs('/Applications/Postgres.app/Contents/Versions', /^(\d+)/)) {
    out.push({ bindir: path.join(dir, 'bin'), source: 'postgres.app', majorHint: major });
  }
  return out;
}

/** Ask the server binary for its version ("postgres (PostgreSQL) 15.18 (Debian ...)"). */
export function serverVersion(bindir: string): string | null {
  const r = spawnSync(path.join(bindir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10000 });
  const m = r.status === 0 ? /PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(r.stdout) : null;
  return m ? m[1] : null;
}

/**
 * serverVersion, remembered per binary (path, inode, size, mtime) in the user cache dir: asking
 * `postgres --version` costs a process (~12 ms) on every command otherwise. Best effort both ways.
 */
function cachedServerVersion(bindir: string, env: NodeJS.ProcessEnv): string | null {
  let key: string;
  try {
    const file = realpathSync(path.join(bindir, 'postgres'));
    const st = statSync(file);
    key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return serverVersion(bindir);
  }
  const store = path.join(cacheDir(env), 'server-versions.json');
  let known: Record<string, string> = {};
  try {
    known = JSON.parse(readFileSync(store, 'utf8')) as Record<string, string>;
  } catch {
    // none yet, or unreadable: ask the binary
  }
  if (typeof known[key] === 'string' && /^\d+(\.\d+)?$/.test(known[key]!)) return known[key]!;
  const version = serverVersion(bindir);
  if (version) {
    try {
      writeFileAtomic(store, `${JSON.stringify({ ...known, [key]: version })}\n`, { mkdir: true });
    } catch {
      // read-only cache: we just ask again next time
    }
  }
  return version;
}

function probe(c: Candidate, env: NodeJS.ProcessEnv): Binaries | null {
  if (!hasServer(c.bindir)) return null;
  const version = cachedServerVersion(c.bindir, env);
  if (!version) return null;
  return { bindir: c.bindir, major: Number(version.split('.')[0]), version, source: c.source };
}

export interface FindOptions {
  /** devenv.json postgres.binaries: a bin dir, "system" or "embedded". */
  configured?: string;
  /** devenv.json postgres.version: the major that must be used. */
  requireMajor?: number;
  /** Major of an existing cluster: preferred when nothing is required. */
  preferMajor?: number;
  env?: NodeJS.ProcessEnv;
}

function explicitCandidates(value: string, source: string): Candidate[] | 'system' {
  if (value === 'system') return 'system';
  if (value === 'embedded') {
    const e = embeddedCandidate();
    if (!e)
      throw new UserError(
        `${source} asks for the embedded postgres, but ${EMBEDDED_PACKAGE} is not installed ` +
          '(an install with --omit=optional, or another platform); ' +
          'reinstall devenv-postgres with its optional dependencies',
      );
    return [e];
  }
  if (!path.isAbsolute(value))
    throw new UserError(`${source} must be an absolute bin directory, "system" or "embedded"; got "${value}"`);
  if (!hasServer(value))
    throw new UserError(`${source} points at ${value}, which has no initdb and postgres executables`);
  return [{ bindir: value, source }];
}

/**
 * Where to look, in order: explicit override, PATH, pg_config, well-known dirs, embedded.
 * A generator: later places (pg_config is a process) are only looked at when earlier ones do not fit.
 */
function* candidates(opts: FindOptions): Generator<Candidate> {
  const env = opts.env ?? process.env;
  const explicit = env.PGRES_BINDIR
    ? explicitCandidates(env.PGRES_BINDIR, 'PGRES_BINDIR')
    : opts.configured
      ? explicitCandidates(opts.configured, 'postgres.binaries')
      : null;
  if (Array.isArray(explicit)) {
    yield* explicit;
    return;
  }
  yield* pathCandidates(env);
  yield* pgConfigCandidate(env);
  yield* wellKnownCandidates();
  if (explicit !== 'system') {
    const e = embeddedCandidate();
    if (e) yield e;
  }
}

/** Pick the server binaries for a project; a clear error listing what was found when none fits. */
export function findBinaries(opts: FindOptions = {}): Binaries {
  const seen = new Set<string>();
  const found: Binaries[] = [];
  const problems: string[] = [];
  const wanted = opts.requireMajor ?? opts.preferMajor;
  for (const c of candidates(opts)) {
    const key = path.resolve(c.bindir);
    if (seen.has(key)) continue;
    seen.add(key);
    const b = probe(c, opts.env ?? process.env);
    if (!b) {
      if (c.problem) problems.push(c.problem);
      continue;
    }
    if (wanted === undefined || b.major === wanted) return b;
    found.push(b);
  }
  if (opts.requireMajor === undefined && found.length > 0) return found[0]!;
  if (found.length === 0 && problems.length > 0) throw new UserError(problems.join('; '));
  const list = found.map((b) => `${b.major} at ${b.bindir} (${b.source})`).join('; ');
  if (opts.requireMajor !== undefined) {
    throw new UserError(
      `PostgreSQL ${opts.requireMajor} is required (postgres.version) but ` +
        `${found.length ? `only found ${list}` : 'no PostgreSQL server binaries were found'}; ` +
        `install PostgreSQL ${opts.requireMajor} or set PGRES_BINDIR to its bin directory`,
    );
  }
  throw new UserError(
    'no PostgreSQL server binaries found (looked in PGRES_BINDIR, PATH, pg_config, /usr/lib/postgresql/*/bin, ' +
      '/usr/pgsql-*/bin, Homebrew, Postgres.app and the embedded package); install devenv-postgres with its ' +
      'optional dependencies (no --omit=optional) to get the embedded server, ' +
      'or install postgresql (apt-get install postgresql / brew install postgresql)',
  );
}

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
