import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { satisfies, versionText, type WantedVersion } from '../project/postgres-version.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cacheDir } from '../util/user-dirs.js';
import { EMBEDDED_PACKAGE, embeddedServer } from './embedded-package.js';
import { listFetched } from './fetched-store.js';

export interface Binaries {
  bindir: string;
  major: number;
  /** Full version as the server reports it, e.g. "15.18". */
  version: string;
  /**
   * How it was found: "config", "PGRES_BINDIR", "PATH", "pg_config", "system", "homebrew", "postgres.app",
   * "embedded" or "fetched" (another version of the embedded package, in devenv's cache).
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
  /** The version, when known without asking the binary (a fetched server records it). */
  version?: string;
}

export function isExecutable(file: string): boolean {
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
export function versionedDirs(base: string, pattern: RegExp): { dir: string; major: number }[] {
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

/** Servers fetched earlier (newest first): for a project asking for their version, or whose cluster is theirs. */
function fetchedCandidates(env: NodeJS.ProcessEnv): Candidate[] {
  return listFetched(env).map((s) => ({ bindir: s.bindir, source: 'fetched', majorHint: s.major, version: s.version }));
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
  const version = c.version ?? cachedServerVersion(c.bindir, env);
  if (!version) return null;
  return { bindir: c.bindir, major: Number(version.split('.')[0]), version, source: c.source };
}

export interface FindOptions {
  /** devenv.json postgres.binaries: a bin dir, "system" or "embedded". */
  configured?: string;
  /** devenv.json postgres.version: the major (and minor, when it names one) that must be used. */
  want?: WantedVersion;
  /** Major of an existing cluster: preferred when nothing is required. */
  preferMajor?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Get `want` when no binaries here give it (fetch the embedded package of that version). Not asked when
   * the binaries are pinned to a directory or to "system"; without it, one line says how to get them.
   */
  fetch?: (want: WantedVersion) => Binaries;
}

/** What PGRES_BINDIR / postgres.binaries allow: one bin directory, the system's, the embedded package's, or all. */
type Scope = { dir: Candidate } | 'system' | 'embedded' | 'any';

function scopeOf(opts: FindOptions): { scope: Scope; source: string } {
  const env = opts.env ?? process.env;
  const [value, source] = env.PGRES_BINDIR
    ? [env.PGRES_BINDIR, 'PGRES_BINDIR']
    : opts.configured
      ? [opts.configured, 'postgres.binaries']
      : [null, ''];
  if (value === null) return { scope: 'any', source };
  if (value === 'system' || value === 'embedded') return { scope: value, source };
  if (!path.isAbsolute(value))
    throw new UserError(`${source} must be an absolute bin directory, "system" or "embedded"; got "${value}"`);
  if (!hasServer(value))
    throw new UserError(`${source} points at ${value}, which has no initdb and postgres executables`);
  return { scope: { dir: { bindir: value, source } }, source };
}

/**
 * Where to look, in order: explicit override, PATH, pg_config, well-known dirs, embedded, fetched.
 * A generator: later places (pg_config is a process) are only looked at when earlier ones do not fit.
 */
function* candidates(scope: Scope, env: NodeJS.ProcessEnv): Generator<Candidate> {
  if (typeof scope === 'object') {
    yield scope.dir;
    return;
  }
  if (scope !== 'embedded') {
    yield* pathCandidates(env);
    yield* pgConfigCandidate(env);
    yield* wellKnownCandidates();
  }
  if (scope !== 'system') {
    const e = embeddedCandidate();
    if (e) yield e;
    yield* fetchedCandidates(env);
  }
}

function noneFound(scope: Scope, source: string): UserError {
  if (scope === 'embedded') {
    return new UserError(
      `${source} asks for the embedded postgres, but ${EMBEDDED_PACKAGE} is not installed ` +
        '(an install with --omit=optional, or another platform); ' +
        'reinstall devenv-postgres with its optional dependencies',
    );
  }
  return new UserError(
    'no PostgreSQL server binaries found (looked in PGRES_BINDIR, PATH, pg_config, /usr/lib/postgresql/*/bin, ' +
      '/usr/pgsql-*/bin, Homebrew, Postgres.app and the embedded package); install devenv-postgres with its ' +
      'optional dependencies (no --omit=optional) to get the embedded server, ' +
      'or install postgresql (apt-get install postgresql / brew install postgresql)',
  );
}

/** postgres.version names binaries that are not here (and are not to be fetched now). */
function wantedMissing(want: WantedVersion, scope: Scope, found: Binaries[]): UserError {
  const v = versionText(want);
  if (scope === 'any' || scope === 'embedded') {
    return new UserError(
      `PostgreSQL ${v} (postgres.version) is not installed here and not fetched yet; ` +
        `\`devenv cache fetch ${v}\` fetches it (so does any command that starts the server)`,
    );
  }
  const list = found.map((b) => `${b.version} at ${b.bindir} (${b.source})`).join('; ');
  return new UserError(
    `PostgreSQL ${v} is required (postgres.version) but ` +
      `${found.length ? `only found ${list}` : 'no PostgreSQL server binaries were found'}; ` +
      `install PostgreSQL ${v} or set PGRES_BINDIR to its bin directory`,
  );
}

/** Pick the server binaries for a project; a clear error listing what was found when none fits. */
export function findBinaries(opts: FindOptions = {}): Binaries {
  const env = opts.env ?? process.env;
  const { scope, source } = scopeOf(opts);
  const seen = new Set<string>();
  const found: Binaries[] = [];
  const problems: string[] = [];
  const fits = (b: Binaries) =>
    opts.want ? satisfies(b.version, opts.want) : opts.preferMajor === undefined || b.major === opts.preferMajor;
  for (const c of candidates(scope, env)) {
    const key = path.resolve(c.bindir);
    if (seen.has(key)) continue;
    seen.add(key);
    const b = probe(c, env);
    if (!b) {
      if (c.problem) problems.push(c.problem);
      continue;
    }
    if (fits(b)) return b;
    found.push(b);
  }
  if (!opts.want && found.length > 0) return found[0]!;
  if (opts.want && opts.fetch && (scope === 'any' || scope === 'embedded')) return opts.fetch(opts.want);
  if (found.length === 0 && problems.length > 0) throw new UserError(problems.join('; '));
  throw opts.want ? wantedMissing(opts.want, scope, found) : noneFound(scope, source);
}

/**
 * Every server here within what postgres.binaries (or PGRES_BINDIR) allows: installed ones, the embedded
 * package and those fetched earlier, one per bin dir, in the order findBinaries looks. Fetches nothing.
 */
export function installedServers(opts: Pick<FindOptions, 'configured' | 'env'> = {}): Binaries[] {
  const env = opts.env ?? process.env;
  const { scope } = scopeOf(opts);
  const seen = new Set<string>();
  const found: Binaries[] = [];
  for (const c of candidates(scope, env)) {
    const key = path.resolve(c.bindir);
    if (seen.has(key)) continue;
    seen.add(key);
    const b = probe(c, env);
    if (b) found.push(b);
  }
  return found;
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
