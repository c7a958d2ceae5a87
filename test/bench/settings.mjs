// What every benchmark row shares: the options, the sizes, the PostgreSQL binaries, the environment every
// child gets and the temp dir all rows work in. run.mjs and the row modules (rows-*.mjs) import it.
import { chmodSync, mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTimed } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
export const SMOKE = argv.includes('--smoke');
export const RUNS = Number(opt('runs') ?? (SMOKE ? 1 : 7));
export const ONLY = opt('only')?.split(',').map(Number);
const PG_CHOICE = opt('pg') ?? 'system';
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const JSON_OUT = path.resolve(opt('json') ?? path.join(REPO, 'test/bench/results.json'));
// --cli=/other/checkout/bin/devenv: time another build's commands (A/B against this one, same window).
export const CLI = path.resolve(opt('cli') ?? path.join(REPO, 'bin', 'devenv'));
export const NODE = process.execPath;
export const NODEMON = path.join(REPO, 'node_modules', 'nodemon', 'bin', 'nodemon.js');
export const CONCURRENTLY = path.join(REPO, 'node_modules', 'concurrently', 'dist', 'bin', 'index.js');

// Sizes: full run as the issue asks, smoke run small enough for CI.
export const SIZES = SMOKE
  ? {
      hookN: 20,
      hookEnterN: 5,
      memorySeconds: 3,
      projects: 3,
      treeDirs: 20,
      treeFiles: 50,
      nmDirs: 20,
      nmFiles: 50,
      watchRuns: 1,
      snapshotRows: 100000,
      snapshotRuns: 1,
      floodSeconds: 2,
      upgradeScale: 1,
      upgradeRuns: 1,
    }
  : {
      hookN: 500,
      hookEnterN: 30,
      memorySeconds: 30,
      projects: 20,
      treeDirs: 500,
      treeFiles: 100,
      nmDirs: 1000,
      nmFiles: 100,
      watchRuns: 3,
      // ~1 GB: a 0.8 GB table and its two indexes.
      snapshotRows: 7000000,
      snapshotRuns: 3,
      floodSeconds: 10,
      // pgbench -s 10: a million accounts (~160 MiB).
      upgradeScale: 10,
      upgradeRuns: 3,
    };

// dist/ is what bin/devenv runs; `npm run bench` builds it first.
const { findBinaries } = await import(path.join(REPO, 'dist/postgres/binaries.js'));
const { resolveAccount } = await import(path.join(REPO, 'dist/postgres/privileges.js'));

export const pg = (await import('pg')).default;

export const TMP = realTmp(mkdtempSync(path.join(tmpdir(), 'devenv-bench-')));
const found = findBinaries({ env: { PATH: process.env.PATH, PGRES_BINDIR: PG_CHOICE } });
// /usr/local/bin/postgres may be a symlink into /usr/lib/postgresql/N/bin: name the real directory.
export const binaries = { ...found, bindir: path.dirname(realpathSync(path.join(found.bindir, 'postgres'))) };
export const account = resolveAccount();
export const USER = (await import('node:os')).userInfo().username;

/** The environment every child gets: ours only, no stray PG* settings, caches inside the bench dir. */
export const ENV = (() => {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if ((/^PG[A-Z]/.test(k) && !k.startsWith('PGRES_')) || k.startsWith('DIRENV_')) delete env[k];
  for (const k of ['DATABASE_URL', 'PGRES_NO_TEMPLATE', 'PGRES_RUN_AS', 'NODE_OPTIONS']) delete env[k];
  return {
    ...env,
    PGRES_BINDIR: binaries.bindir,
    PGRES_CACHE_DIR: path.join(TMP, 'cache'),
    XDG_CACHE_HOME: path.join(TMP, 'xdg-cache'),
    XDG_DATA_HOME: path.join(TMP, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(TMP, 'xdg-config'),
    // As root, devenv's logs and state for each project go here, and go with the bench's temp dir.
    XDG_STATE_HOME: path.join(TMP, 'xdg-state'),
    NO_COLOR: '1',
  };
})();
// The in-process "server part" measurements read the same settings from our own environment.
Object.assign(process.env, ENV);
for (const k of Object.keys(process.env)) if (!(k in ENV)) delete process.env[k];

function realTmp(dir) {
  // The unprivileged postgres account must be able to traverse it.
  chmodSync(dir, 0o755);
  return dir;
}

let dirCounter = 0;

export function freshDir(label) {
  const dir = path.join(TMP, `${label}-${++dirCounter}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

export function devenv(cwd, args, extraEnv = {}) {
  return runTimed(CLI, [...args], { cwd, env: { ...ENV, ...extraEnv } });
}
