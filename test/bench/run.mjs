#!/usr/bin/env node
// devenv benchmarks, side by side with what users would do instead (issue 5).
//
//   npm run bench                      full run (several iterations per row), writes test/bench/results.json
//   npm run bench -- --smoke           one iteration, small sizes: proves the bench works (CI); asserts no time
//   options: --runs=N  --only=1,3,6  --pg=system|embedded|/abs/bin  --json=FILE  --markdown
//
// Every row is measured in the same run as its comparison, iterations interleaved (ours, theirs, ours, ...)
// so that load from other processes hits both sides alike. Both sides use the same Postgres binaries.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  descendants,
  httpBody,
  machine,
  memoryOf,
  now,
  pidAlive,
  processesMentioning,
  quiesce,
  runOk,
  runTimed,
  sleep,
  spawned,
  startLong,
  stopLong,
  summary,
  waitUntil,
  which,
} from './lib.mjs';
import { rowDependency, rowRestartCommand, rowUpDetachReturn } from './stack-rows.mjs';

const argv = process.argv.slice(2);
const opt = (name) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
const SMOKE = argv.includes('--smoke');
const RUNS = Number(opt('runs') ?? (SMOKE ? 1 : 7));
const ONLY = opt('only')?.split(',').map(Number);
const PG_CHOICE = opt('pg') ?? 'system';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const JSON_OUT = path.resolve(opt('json') ?? path.join(REPO, 'test/bench/results.json'));
// --cli=/other/checkout/bin/devenv: time another build's commands (A/B against this one, same window).
const CLI = path.resolve(opt('cli') ?? path.join(REPO, 'bin', 'devenv'));
const NODE = process.execPath;
const NODEMON = path.join(REPO, 'node_modules', 'nodemon', 'bin', 'nodemon.js');
const CONCURRENTLY = path.join(REPO, 'node_modules', 'concurrently', 'dist', 'bin', 'index.js');
/** An ANSI colour sequence (ESC [ ... m), as nodemon prints them. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

// Sizes: full run as the issue asks, smoke run small enough for CI.
const SIZES = SMOKE
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
const { projectPaths } = await import(path.join(REPO, 'dist/project/paths.js'));
const pg = (await import('pg')).default;

const TMP = realTmp(mkdtempSync(path.join(tmpdir(), 'devenv-bench-')));
const found = findBinaries({ env: { PATH: process.env.PATH, PGRES_BINDIR: PG_CHOICE } });
// /usr/local/bin/postgres may be a symlink into /usr/lib/postgresql/N/bin: name the real directory.
const binaries = { ...found, bindir: path.dirname(realpathSync(path.join(found.bindir, 'postgres'))) };
const account = resolveAccount();
const USER = (await import('node:os')).userInfo().username;

/** The environment every child gets: ours only, no stray PG* settings, caches inside the bench dir. */
const ENV = (() => {
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

const rows = [];
const errors = [];
let dirCounter = 0;

function freshDir(label) {
  const dir = path.join(TMP, `${label}-${++dirCounter}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

function devenv(cwd, args, extraEnv = {}) {
  return runTimed(CLI, [...args], { cwd, env: { ...ENV, ...extraEnv } });
}

function addRow(row) {
  const o = summary(row.ours?.samples);
  const t = summary(row.theirs?.samples);
  row.oursSummary = o;
  row.theirsSummary = t;
  row.ratio = o && t && t.median > 0 ? o.median / t.median : null;
  if (row.met === undefined) {
    if (row.target?.maxRatio !== undefined) row.met = row.ratio !== null ? row.ratio <= row.target.maxRatio : null;
    else if (row.target?.maxValue !== undefined) row.met = o ? o.median <= row.target.maxValue : null;
    else row.met = null;
  }
  rows.push(row);
  const fmt = (s, unit) => (s ? `${num(s.median, unit)} (${s.n})` : '-');
  const ratio = row.ratio !== null ? `, ratio ${row.ratio.toFixed(2)}` : '';
  console.error(`  ${row.id} ${row.title}: ours ${fmt(o, row.unit)}, theirs ${fmt(t, row.unit)}${ratio}`);
}

function num(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const digits = unit === 'µs' ? (v < 100 ? 1 : 0) : unit === 'MiB' ? 1 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ${unit}`;
}

// ---------------------------------------------------------------- Postgres: both sides
const RECIPE = path.join(TMP, 'recipe.sh');
writeFileSync(
  RECIPE,
  `#!/bin/sh
# The manual recipe a user would script: initdb, socket-only settings, first database, pg_ctl start.
set -e
D="$1"; B="$2"; SU="$3"; DB="$4"
"$B/initdb" -D "$D" -U "$SU" --auth=trust --encoding=UTF8 --locale=C >/dev/null
printf "listen_addresses = ''\\nunix_socket_directories = '%s'\\n" "$D" >> "$D/postgresql.conf"
echo "CREATE DATABASE \\"$DB\\";" | "$B/postgres" --single -D "$D" -c exit_on_error=on template1 >/dev/null
"$B/pg_ctl" -D "$D" -l "$D/server.log" -w start >/dev/null
`,
  { mode: 0o755 },
);

/** As root, the recipe's commands run as the same unprivileged account devenv uses (postgres refuses root). */
function asAccount(file, args) {
  if (!account) return [file, args];
  return ['setpriv', [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', file, ...args]];
}

function recipeDirs() {
  const parent = freshDir('recipe');
  if (account) chownSync(parent, account.uid, account.gid);
  return { parent, data: path.join(parent, 'data') };
}

function runRecipe(data) {
  const [f, a] = asAccount(RECIPE, [data, binaries.bindir, USER, USER]);
  return runOk(f, a, { env: ENV });
}

function pgCtl(data, args) {
  const [f, a] = asAccount(path.join(binaries.bindir, 'pg_ctl'), ['-D', data, ...args]);
  return runOk(f, a, { env: ENV });
}

/**
 * Connect with node-postgres over the socket and run SELECT 1; retry every 2 ms until it works. Until the
 * socket file exists only its existence is checked (every 1 ms): a client made every 2 ms costs a share
 * of a core, which on a 2-core machine slowed the command being timed by a third.
 */
async function waitConnect(socketDir, timeoutMs = 60000) {
  const until = now() + timeoutMs;
  const socket = path.join(socketDir, '.s.PGSQL.5432');
  while (!existsSync(socket) && now() < until) await sleep(1);
  let last;
  while (now() < until) {
    const c = new pg.Client({ host: socketDir, port: 5432, user: USER, database: USER });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return now();
    } catch (err) {
      last = err;
      await c.end().catch(() => undefined);
      await sleep(2);
    }
  }
  throw new Error(`no connection to ${socketDir}: ${last?.message}`);
}

/** `devenv up` in the foreground (no apps): time from spawn until a connection works. */
async function upUntilConnected(dir, extraEnv = {}, args = []) {
  const up = startLong(CLI, ['up', ...args], { cwd: dir, env: { ...ENV, ...extraEnv } });
  try {
    const t = await Promise.race([
      waitConnect(path.join(dir, '.pgres')),
      up.exited.then((e) =>
        Promise.reject(new Error(`devenv up exited (${e.code ?? e.signal}): ${up.lines.slice(-6).join(' | ')}`)),
      ),
    ]);
    return { up, ms: t - up.t0 };
  } catch (err) {
    await stopLong(up, 'SIGINT');
    throw err;
  }
}

/** SIGINT to a foreground `up`: time until it has exited, then check postgres is gone too. */
async function stopUp(up, dir) {
  const ms = await stopLong(up, 'SIGINT');
  const pm = postmasterPid(path.join(dir, '.pgres'));
  if (pm && pidAlive(pm)) throw new Error(`postgres (pid ${pm}) still running after devenv up exited`);
  return ms;
}

function postmasterPid(data) {
  try {
    return Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

async function rowsColdStart() {
  // Warm the template cache once (not timed): the first-ever case is measured separately below.
  const warm = freshDir('warm');
  await runOk(CLI, ['init'], { cwd: warm, env: ENV });
  rmSync(warm, { recursive: true, force: true });

  const cold = { ours: [], theirs: [] };
  const first = { ours: [], theirs: [] };
  const stop = { ours: [], theirs: [] };
  for (let i = 0; i < RUNS; i++) {
    // ours, template cached (and a spare made by the previous init's background refill)
    await quiesce();
    let dir = freshDir('cold');
    let r = await upUntilConnected(dir);
    cold.ours.push(r.ms);
    stop.ours.push(await stopUp(r.up, dir));
    rmSync(dir, { recursive: true, force: true });
    // theirs
    await quiesce();
    const rd = recipeDirs();
    const t0 = now();
    await runRecipe(rd.data);
    const t = (await waitConnect(rd.data)) - t0;
    cold.theirs.push(t);
    first.theirs.push(t);
    stop.theirs.push((await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop'])).ms);
    rmSync(rd.parent, { recursive: true, force: true });
    // ours, first ever: an empty template cache
    await quiesce();
    dir = freshDir('first');
    const cache = freshDir('emptycache');
    r = await upUntilConnected(dir, { PGRES_CACHE_DIR: cache });
    first.ours.push(r.ms);
    await stopUp(r.up, dir);
    // The background refill is still filling this cache: let it finish before the cache goes.
    await quiesce();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
  const recipe = 'recipe.sh: initdb; conf; --single CREATE DATABASE; pg_ctl -w start';
  addRow({
    id: '1a',
    title: 'cold start, template cached: no .pgres → connection',
    unit: 'ms',
    ours: { label: 'devenv up', samples: cold.ours },
    theirs: { label: recipe, samples: cold.theirs },
    target: { maxRatio: 0.12 },
  });
  addRow({
    id: '1b',
    title: 'first-ever start, empty template cache',
    unit: 'ms',
    ours: { label: 'devenv up (PGRES_CACHE_DIR empty)', samples: first.ours },
    theirs: { label: recipe, samples: first.theirs },
    target: { maxRatio: 0.8 },
  });
  addRow({
    id: '4b',
    title: 'stop, whole command: Ctrl-C to `devenv up` → exited, postgres gone',
    unit: 'ms',
    ours: { label: 'SIGINT to devenv up', samples: stop.ours },
    theirs: { label: 'pg_ctl -m fast -w stop', samples: stop.theirs },
    target: {},
  });
}

async function rowResetUp() {
  const dir = freshDir('reset');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  const rd = recipeDirs();
  const s = { ours: [], theirs: [] };
  for (let i = 0; i < RUNS; i++) {
    await quiesce();
    const t0 = now();
    await runOk(CLI, ['reset', '-y'], { cwd: dir, env: ENV });
    const r = await upUntilConnected(dir);
    s.ours.push(r.ms + (r.up.t0 - t0));
    await stopUp(r.up, dir);

    await quiesce();
    const t1 = now();
    rmSync(rd.data, { recursive: true, force: true });
    await runRecipe(rd.data);
    s.theirs.push((await waitConnect(rd.data)) - t1);
    await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop']);
  }
  addRow({
    id: '2',
    title: 'reset and start again → connection',
    unit: 'ms',
    ours: { label: 'devenv reset -y && devenv up', samples: s.ours },
    theirs: { label: 'rm -rf data && recipe.sh', samples: s.theirs },
    target: { maxRatio: 0.2 },
  });
  rmSync(rd.parent, { recursive: true, force: true });
}

async function rowsWarmStartStop() {
  const { openProject } = await import(path.join(REPO, 'dist/project/project.js'));
  const { preparePostgres, ensureServer, serverSpec } = await import(path.join(REPO, 'dist/postgres/prepare.js'));
  const { checkNoInterruptedSwap } = await import(path.join(REPO, 'dist/snapshot/interrupted-swap.js'));
  const { stopServer } = await import(path.join(REPO, 'dist/postgres/server.js'));
  const dir = freshDir('warmstart');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  const rd = recipeDirs();
  await runRecipe(rd.data);
  await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop']);
  const quiet = { info() {}, notice() {}, step() {} };
  const server = { ours: [], theirs: [] };
  const whole = { ours: [] };
  const stop = { ours: [], theirs: [] };
  for (let i = 0; i < RUNS; i++) {
    // Server part, in process: what `up` does after node has started and loaded its modules.
    let t0 = now();
    const project = openProject(dir);
    const running = await ensureServer(preparePostgres(project, checkNoInterruptedSwap), serverSpec(project), quiet, {
      detached: true,
    });
    server.ours.push((await waitConnect(path.join(dir, '.pgres'))) - t0);
    t0 = now();
    await stopServer(running.pid);
    stop.ours.push(now() - t0);
    // Whole command: node start included.
    const r = await upUntilConnected(dir);
    whole.ours.push(r.ms);
    await stopUp(r.up, dir);
    // theirs
    t0 = now();
    await pgCtl(rd.data, ['-l', path.join(rd.data, 'server.log'), '-w', 'start']);
    server.theirs.push((await waitConnect(rd.data)) - t0);
    stop.theirs.push((await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop'])).ms);
  }
  addRow({
    id: '3a',
    title: 'warm start, server part: cluster exists → connection',
    unit: 'ms',
    ours: { label: 'ensureServer() in process (spawn postgres, postmaster.pid ready)', samples: server.ours },
    theirs: { label: 'pg_ctl -w start', samples: server.theirs },
    target: { maxRatio: 0.5 },
  });
  addRow({
    id: '3b',
    title: 'warm start, whole command (node start included)',
    unit: 'ms',
    ours: { label: 'devenv up', samples: whole.ours },
    theirs: { label: 'pg_ctl -w start', samples: server.theirs },
    target: { maxRatio: 0.8 },
  });
  addRow({
    id: '4a',
    title: 'stop, server part: running → process gone',
    unit: 'ms',
    ours: { label: 'stopServer() (SIGINT, wait for exit)', samples: stop.ours },
    theirs: { label: 'pg_ctl -m fast -w stop', samples: stop.theirs },
    target: { maxRatio: 0.3 },
  });

  // `devenv down` for a background `up -d`, as a whole command.
  const down = { ours: [], theirs: [] };
  let downNote;
  for (let i = 0; i < RUNS; i++) {
    await runOk(CLI, ['up', '-d'], { cwd: dir, env: ENV });
    await waitConnect(path.join(dir, '.pgres'));
    const r = await devenv(dir, ['down']);
    if (r.code !== 0) {
      downNote = `devenv down failed (exit ${r.code}: ${r.stderr.trim().slice(0, 120)}); stopped with reset instead`;
      await stopBackground(dir);
      break;
    }
    down.ours.push(r.ms);
    await pgCtl(rd.data, ['-l', path.join(rd.data, 'server.log'), '-w', 'start']);
    down.theirs.push((await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop'])).ms);
  }
  addRow({
    id: '4c',
    title: 'stop, whole command: `devenv down` after `up -d`',
    unit: 'ms',
    ours: { label: 'devenv down', samples: down.ours },
    theirs: { label: 'pg_ctl -m fast -w stop', samples: down.theirs },
    target: { maxRatio: 0.9 },
    note: downNote,
  });
  rmSync(dir, { recursive: true, force: true });
  rmSync(rd.parent, { recursive: true, force: true });
}

/** Stop a background `up -d` without `devenv down` (reset stops the supervisor, then deletes .pgres). */
async function stopBackground(dir) {
  await devenv(dir, ['reset', '-y']);
}

// ---------------------------------------------------------------- 5: file save → app answering
const APP = (version) => `// tiny app for the restart benchmark
const http = require('node:http');
const VERSION = ${JSON.stringify(version)};
http.createServer((req, res) => res.end(VERSION)).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function waitBody(port, body, timeoutMs = 30000) {
  const ok = await waitUntil(async () => (await httpBody(port)) === body, timeoutMs, 3);
  if (!ok) throw new Error(`app on port ${port} never answered "${body}"`);
  return now();
}

let nextPort = 41000 + Math.floor(Math.random() * 2000);

async function rowRestart() {
  const ours = freshDir('restart-ours');
  const theirs = freshDir('restart-nodemon');
  const portO = nextPort++;
  const portT = nextPort++;
  for (const d of [ours, theirs]) writeFileSync(path.join(d, 'app.js'), APP('v0'));
  writeFileSync(path.join(ours, 'devenv.json'), '{}\n');
  const up = startLong(CLI, ['up', '--', 'node', 'app.js'], { cwd: ours, env: { ...ENV, PORT: String(portO) } });
  const mon = startLong(NODE, [NODEMON, 'app.js'], { cwd: theirs, env: { ...ENV, PORT: String(portT) } });
  const s = { ours: [], theirs: [] };
  try {
    await waitBody(portO, 'v0', 60000);
    await waitBody(portT, 'v0', 60000);
    await up.waitLine(/running 1 app process/);
    await sleep(300);
    for (let i = 1; i <= RUNS; i++) {
      for (const [dir, port, into] of [
        [ours, portO, s.ours],
        [theirs, portT, s.theirs],
      ]) {
        const v = `v${i}`;
        const t0 = now();
        writeFileSync(path.join(dir, 'app.js'), APP(v));
        into.push((await waitBody(port, v)) - t0);
        await sleep(400); // let the watcher and the old instance settle
      }
    }
  } finally {
    await stopLong(up, 'SIGINT');
    await stopLong(mon, 'SIGINT');
  }
  addRow({
    id: '5',
    title: 'file save → app restarted and answering HTTP',
    unit: 'ms',
    ours: { label: 'devenv up -- node app.js (restart at the first event)', samples: s.ours },
    theirs: { label: 'nodemon app.js (defaults)', samples: s.theirs },
    target: { maxRatio: 0.8 },
  });
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 6: shell hook vs direnv
/**
 * One bash runs the prompt function N times and times each call with EPOCHREALTIME (pure shell, no
 * process for the measurement). Phases are marked with `: <file` (an open(2) strace can see), so an
 * strace run can count the processes each phase spawns.
 */
function hookScript() {
  return `# args: hook-file hook-function project outside marks N N_enter rewrite(0|1)
source "$1"
H=$2 P=$3 O=$4 M=$5 N=$6 NE=$7 RW=$8
cd "$O"; $H 2>/dev/null
cd "$P"; $H 2>/dev/null
idle=() enter=() leave=() changed=()
: <"$M/idle"
for ((i = 0; i < N; i++)); do
  s=$EPOCHREALTIME; $H; e=$EPOCHREALTIME; idle+=($((10#\${e/./} - 10#\${s/./})))
done 2>/dev/null
for ((i = 0; i < NE; i++)); do
  : <"$M/leave"; s=$EPOCHREALTIME; cd "$O"; $H; e=$EPOCHREALTIME; leave+=($((10#\${e/./} - 10#\${s/./})))
  : <"$M/enter"; s=$EPOCHREALTIME; cd "$P"; $H; e=$EPOCHREALTIME; enter+=($((10#\${e/./} - 10#\${s/./})))
done 2>/dev/null
if [ "$RW" = 1 ]; then
  envtext=$(<"$P/.env")
  for ((i = 0; i < NE; i++)); do
    : <"$M/leave"; cd "$O"; $H
    # Same bytes (trust still holds), newer mtime: the cached answer is stale. A running \`devenv up\`
    # renders it again within a few ms (a person takes longer to press enter); without one, node runs.
    printf '%s\\n' "$envtext" >"$P/.env"
    : <"$M/wait"; sleep 0.2
    : <"$M/changed"; s=$EPOCHREALTIME; cd "$P"; $H; e=$EPOCHREALTIME; changed+=($((10#\${e/./} - 10#\${s/./})))
  done 2>/dev/null
fi
: <"$M/end"
echo "idle \${idle[*]}"; echo "enter \${enter[*]}"; echo "leave \${leave[*]}"; echo "changed \${changed[*]}"
`;
}

async function rowShellHook() {
  const direnv = which('direnv');
  const bash = which('bash');
  const strace = which('strace');
  if (!bash) throw new Error('bash not found');
  const proj = freshDir('hook-project');
  const out = freshDir('hook-outside');
  const marks = freshDir('hook-marks');
  for (const m of ['idle', 'leave', 'enter', 'wait', 'changed', 'end']) writeFileSync(path.join(marks, m), '');
  writeFileSync(path.join(proj, 'devenv.json'), '{}\n');
  writeFileSync(path.join(proj, '.env'), 'API_KEY=abc123\nGREETING="hello world"\n');
  // direnv's equivalent: the same six variables devenv computes, plus the same .env.
  const contract = JSON.parse((await runOk(CLI, ['env', '--shell', 'json'], { cwd: proj, env: ENV })).stdout);
  writeFileSync(
    path.join(proj, '.envrc'),
    `${Object.entries(contract)
      .map(([k, v]) => `export ${k}='${v}'`)
      .join('\n')}\ndotenv\n`,
  );
  await runOk(CLI, ['allow'], { cwd: proj, env: ENV });
  const oursHook = path.join(TMP, 'hook.bash');
  writeFileSync(oursHook, (await runOk(CLI, ['hook', 'bash'], { env: ENV })).stdout);
  const script = path.join(TMP, 'hook-bench.bash');
  writeFileSync(script, hookScript());
  // 6c with `devenv up` running in the project (it renders the answer again on a change), 6e without.
  await runOk(CLI, ['init'], { cwd: proj, env: ENV });
  const sides = [
    { name: 'ours', hook: oursHook, fn: '__pgres_hook', rw: '1', up: true },
    { name: 'ours-no-up', hook: oursHook, fn: '__pgres_hook', rw: '1', n: 0 },
  ];
  if (direnv) {
    await runOk(direnv, ['allow', proj], { env: ENV });
    const dh = path.join(TMP, 'direnv.bash');
    writeFileSync(dh, (await runOk(direnv, ['hook', 'bash'], { env: ENV })).stdout);
    sides.push({ name: 'direnv', hook: dh, fn: '_direnv_hook', rw: '0' });
  }
  const res = {};
  for (const side of sides) {
    if (side.up) {
      // The answer exists before \`up\` starts (a shell was in the project): \`up\` checks it renders it the same.
      await runOk(bash, ['--norc', '--noprofile', '-c', `. '${side.hook}'; cd '${proj}'; ${side.fn}`], { env: ENV });
      await runOk(CLI, ['up', '-d'], { cwd: proj, env: ENV });
    }
    const r = await runOk(
      bash,
      [
        '--norc',
        '--noprofile',
        script,
        side.hook,
        side.fn,
        proj,
        out,
        marks,
        String(side.n ?? SIZES.hookN),
        String(SIZES.hookEnterN),
        side.rw,
      ],
      { env: ENV },
    );
    const parsed = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [k, ...v] = l.trim().split(/\s+/);
          return [k, v.map(Number).filter((x) => Number.isFinite(x))];
        }),
    );
    res[side.name] = {
      times: parsed,
      spawns: strace ? await countSpawns(strace, bash, script, side, proj, out, marks) : null,
    };
    if (side.up) await runOk(CLI, ['down'], { cwd: proj, env: ENV });
  }
  const o = res.ours;
  const d = res.direnv;
  const per = (sp, phase, n) => (sp ? sp[phase] / n : null);
  const spawnNote = (sp, phases) =>
    sp
      ? phases.map(([ph, n]) => `${ph}: ${(sp[ph] / n).toFixed(2)} proc/call`).join(', ')
      : 'process count needs strace';
  const nIdleS = 10;
  const nEnterS = 3;
  const idleSpawns = per(o.spawns, 'idle', nIdleS);
  addRow({
    id: '6a',
    title: 'shell hook, idle prompt (bash, same dir, nothing changed)',
    unit: 'µs',
    ours: { label: '__pgres_hook', samples: o.times.idle },
    theirs: d && { label: '_direnv_hook', samples: d.times.idle },
    target: { maxRatio: 0.05, spawns: 0 },
    met: d
      ? summary(o.times.idle).median / summary(d.times.idle).median <= 0.05 && (idleSpawns === null || idleSpawns === 0)
      : null,
    spawns: { ours: o.spawns, direnv: d?.spawns },
    note:
      `ours ${spawnNote(o.spawns, [['idle', nIdleS]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['idle', nIdleS]]) : 'not installed'}`,
  });
  addRow({
    id: '6b',
    title: 'shell hook, entering a project (cached answer)',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (cache hit)', samples: o.times.enter },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: { maxRatio: 0.1 },
    note:
      `ours ${spawnNote(o.spawns, [['enter', nEnterS]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['enter', nEnterS]]) : '-'}`,
  });
  addRow({
    id: '6c',
    title: 'shell hook, entering after .env/devenv.json changed, `devenv up` running',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (up rendered the answer)', samples: o.times.changed },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: { maxRatio: 0.5, spawns: 0 },
    met: d
      ? summary(o.times.changed).median / summary(d.times.enter).median <= 0.5 &&
        (o.spawns === null || o.spawns.changed === 0)
      : null,
    note: `ours ${spawnNote(o.spawns, [['changed', nEnterS]])}`,
  });
  addRow({
    id: '6d',
    title: 'shell hook, leaving a project',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook', samples: o.times.leave },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.leave },
    target: {},
    note:
      `ours ${spawnNote(o.spawns, [['leave', nEnterS * 2]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['leave', nEnterS]]) : '-'}`,
  });
  const n = res['ours-no-up'];
  addRow({
    id: '6e',
    title: 'shell hook, entering after .env/devenv.json changed, nothing running (renders)',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (node once)', samples: n.times.changed },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: {},
    note: `ours ${spawnNote(n.spawns, [['changed', nEnterS]])}`,
  });
  rmSync(proj, { recursive: true, force: true });
}

/** Count fork/clone (not threads) and vfork per phase, from an strace of a short run. */
async function countSpawns(strace, bash, script, side, proj, out, marks) {
  const log = path.join(TMP, `strace-${side.name}.txt`);
  await runOk(
    strace,
    [
      '-f',
      '-qq',
      '-o',
      log,
      '-e',
      'trace=fork,vfork,clone,clone3,openat',
      bash,
      '--norc',
      '--noprofile',
      script,
      side.hook,
      side.fn,
      proj,
      out,
      marks,
      '10',
      '3',
      side.rw,
    ],
    { env: ENV },
  );
  const counts = { setup: 0, idle: 0, leave: 0, enter: 0, wait: 0, changed: 0, end: 0 };
  let phase = 'setup';
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = line.includes(marks) ? /openat\([^"]*"([^"]+)"/.exec(line) : null;
    if (m?.[1].startsWith(marks)) {
      phase = path.basename(m[1]);
      continue;
    }
    if (/\b(fork|vfork)\(/.test(line) && !/resumed/.test(line)) counts[phase]++;
    else if (/\bclone3?\(/.test(line) && !/CLONE_THREAD/.test(line) && !/resumed/.test(line)) counts[phase]++;
  }
  rmSync(log, { force: true });
  return counts;
}

// ---------------------------------------------------------------- 7: start time of light commands
async function rowStartTime() {
  const dir = freshDir('start');
  writeFileSync(path.join(dir, 'devenv.json'), '{}\n');
  const s = { help: [], env: [], node: [] };
  for (let i = 0; i < Math.max(RUNS * 3, 1); i++) {
    s.node.push((await runOk(NODE, ['-e', '0'], { cwd: dir, env: ENV })).ms);
    s.help.push((await runOk(CLI, ['--help'], { cwd: dir, env: ENV })).ms);
    s.env.push((await runOk(CLI, ['env'], { cwd: dir, env: ENV })).ms);
  }
  const extra = process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS set, as in this environment)' : '';
  addRow({
    id: '7a',
    title: 'start time: devenv --help',
    unit: 'ms',
    ours: { label: 'devenv --help', samples: s.help },
    theirs: { label: `node -e 0${extra}`, samples: s.node },
    target: { maxRatio: 1.3 },
  });
  addRow({
    id: '7b',
    title: 'start time: devenv env',
    unit: 'ms',
    ours: { label: 'devenv env', samples: s.env },
    theirs: { label: `node -e 0${extra}`, samples: s.node },
    target: { maxRatio: 1.3 },
  });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 11: a client command with no server running
async function rowExecNoServer() {
  const psql = which('psql');
  if (!psql) throw new Error('psql is not installed (apt-get install postgresql-client): row 11 runs it on both sides');
  const dir = freshDir('exec');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  const rd = recipeDirs();
  await runRecipe(rd.data);
  await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop']);
  const query = ['-XAtc', 'select 1'];
  const s = { ours: [], theirs: [] };
  for (let i = 0; i < RUNS; i++) {
    await quiesce();
    const r = await runOk(CLI, ['exec', '--', psql, ...query], { cwd: dir, env: ENV });
    if (r.stdout.trim() !== '1') throw new Error(`devenv exec -- psql printed ${JSON.stringify(r.stdout)}`);
    const pm = postmasterPid(path.join(dir, '.pgres'));
    if (pm && pidAlive(pm)) throw new Error(`postgres (pid ${pm}) still running after devenv exec returned`);
    s.ours.push(r.ms);

    await quiesce();
    const t0 = now();
    await pgCtl(rd.data, ['-l', path.join(rd.data, 'server.log'), '-w', 'start']);
    await runOk(psql, ['-h', rd.data, '-U', USER, '-d', USER, ...query], { env: ENV });
    await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop']);
    s.theirs.push(now() - t0);
  }
  addRow({
    id: '11',
    title: 'a client command with no server running (server started, command, server stopped)',
    unit: 'ms',
    ours: { label: "devenv exec -- psql -c 'select 1'", samples: s.ours },
    theirs: { label: "pg_ctl -w start && psql -c 'select 1' && pg_ctl -m fast -w stop", samples: s.theirs },
    target: { maxRatio: 1.0 },
  });
  rmSync(dir, { recursive: true, force: true });
  rmSync(rd.parent, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 8: supervisor memory
async function rowMemory() {
  const dir = freshDir('memory');
  writeFileSync(path.join(dir, 'app.js'), APP('m'));
  const [p1, p2] = [nextPort++, nextPort++];
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify(
      { processes: { web: { command: 'node app.js', port: p1 }, worker: { command: 'node app.js', port: p2 } } },
      null,
      2,
    ),
  );
  const up = startLong(CLI, ['up'], { cwd: dir, env: ENV });
  let peak = 0;
  let tree = 0;
  try {
    await up.waitLine(/running 2 app processes/, 60000);
    await waitBody(p1, 'm');
    await waitBody(p2, 'm');
    const until = now() + SIZES.memorySeconds * 1000;
    while (now() < until) {
      const m = memoryOf(up.child.pid);
      if (m) peak = Math.max(peak, m.hwm);
      // Whole tree (postgres backends, sh, apps) for context; RSS double-counts shared pages.
      const t = [up.child.pid, ...descendants(up.child.pid)].reduce((a, p) => a + (memoryOf(p)?.rss ?? 0), 0);
      tree = Math.max(tree, t);
      await sleep(500);
    }
  } finally {
    await stopLong(up, 'SIGINT');
  }
  addRow({
    id: '8',
    title: `supervisor peak RSS, postgres + 2 apps for ${SIZES.memorySeconds} s`,
    unit: 'MiB',
    ours: { label: 'devenv up (VmHWM of the supervisor)', samples: [peak] },
    theirs: null,
    target: { maxValue: 80 },
    note: `whole tree incl. postgres and apps: max ${tree.toFixed(0)} MiB summed RSS`,
  });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 9: many projects at once
async function rowScale() {
  const n = SIZES.projects;
  const dirs = Array.from({ length: n }, () => freshDir('scale'));
  for (const d of dirs) writeFileSync(path.join(d, 'devenv.json'), '{}\n');
  let t0 = now();
  const ups = await Promise.all(dirs.map((d) => devenv(d, ['up', '-d'])));
  const upMs = now() - t0;
  const failed = ups.filter((r) => r.code !== 0);
  const pids = new Set();
  let connected = 0;
  for (const d of dirs) {
    try {
      await waitConnect(path.join(d, '.pgres'), 5000);
      connected++;
      const pm = postmasterPid(path.join(d, '.pgres'));
      if (pm) pids.add(pm);
    } catch {
      // counted as not ready
    }
  }
  t0 = now();
  let downs = await Promise.all(dirs.map((d) => devenv(d, ['down'])));
  let downMs = now() - t0;
  let downNote = '';
  if (downs.some((r) => r.code !== 0)) {
    downNote = ` (devenv down failed: ${downs
      .find((r) => r.code !== 0)
      .stderr.trim()
      .slice(0, 100)}; timed \`devenv reset -y\` instead)`;
    t0 = now();
    downs = await Promise.all(dirs.map((d) => devenv(d, ['reset', '-y'])));
    downMs = now() - t0;
  }
  const left = dirs.filter((d) => {
    const pm = postmasterPid(path.join(d, '.pgres'));
    return pm && pidAlive(pm);
  }).length;
  const ok = failed.length === 0 && connected === n && pids.size === n && left === 0;
  addRow({
    id: '9a',
    title: `${n} projects \`up -d\` at once → all ready`,
    unit: 'ms',
    ours: { label: `${n}× devenv up -d (cold, template cached)`, samples: [upMs] },
    theirs: null,
    target: { text: 'all ready, no conflicts' },
    met: failed.length === 0 && connected === n && pids.size === n,
    note:
      `${n - failed.length}/${n} exited 0, ${connected}/${n} accept connections, ${pids.size} distinct postmasters` +
      (failed.length ? `; first failure: ${(failed[0].stderr || failed[0].stdout).trim().slice(0, 160)}` : ''),
  });
  addRow({
    id: '9b',
    title: `then all ${n} \`down\` at once`,
    unit: 'ms',
    ours: { label: `${n}× devenv down`, samples: [downMs] },
    theirs: null,
    target: { text: 'nothing left' },
    met: left === 0 && downs.every((r) => r.code === 0),
    note: `${left} postgres left running${downNote}`,
  });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!ok) errors.push(`row 9: ${rows.at(-2).note}; ${rows.at(-1).note}`);
}

// ---------------------------------------------------------------- 10: watcher on a big tree
function generateTree(dir) {
  const content = 'x\n';
  for (let i = 0; i < SIZES.treeDirs; i++) {
    const d = path.join(dir, 'src', `d${i}`);
    mkdirSync(d, { recursive: true });
    for (let j = 0; j < SIZES.treeFiles; j++) writeFileSync(path.join(d, `f${j}.js`), content);
  }
  for (let i = 0; i < SIZES.nmDirs; i++) {
    const d = path.join(dir, 'node_modules', `pkg${i}`, 'lib');
    mkdirSync(d, { recursive: true });
    for (let j = 0; j < SIZES.nmFiles; j++) writeFileSync(path.join(d, `m${j}.js`), content);
  }
}

async function rowWatcher() {
  const dir = freshDir('watch');
  const t0 = now();
  generateTree(dir);
  const genMs = now() - t0;
  writeFileSync(path.join(dir, 'app.js'), APP('w'));
  writeFileSync(path.join(dir, 'devenv.json'), '{}\n');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  const files = SIZES.treeDirs * SIZES.treeFiles;
  const nm = SIZES.nmDirs * SIZES.nmFiles;
  const s = { ours: [], theirs: [], oursMem: [], theirsMem: [] };
  let nodemonCount = '';
  for (let i = 0; i < SIZES.watchRuns; i++) {
    const port = nextPort++;
    const up = startLong(CLI, ['up', '--', 'node', 'app.js'], { cwd: dir, env: { ...ENV, PORT: String(port) } });
    try {
      s.ours.push((await up.waitLine(/running 1 app process/, 300000)) - up.t0);
      await sleep(1000);
      s.oursMem.push(memoryOf(up.child.pid)?.hwm ?? NaN);
    } finally {
      await stopLong(up, 'SIGINT');
    }
    const mon = startLong(NODE, [NODEMON, '--verbose', 'app.js'], {
      cwd: dir,
      env: { ...ENV, PORT: String(nextPort++) },
    });
    try {
      s.theirs.push((await mon.waitLine(/watching \d+ files?/, 300000)) - mon.t0);
      nodemonCount = mon.lines.find((l) => /watching \d+ files?/.test(l)) ?? '';
      await sleep(1000);
      s.theirsMem.push(memoryOf(mon.child.pid)?.hwm ?? NaN);
    } finally {
      await stopLong(mon, 'SIGINT');
    }
  }
  const size = `${files} files + ${nm} in node_modules`;
  addRow({
    id: '10a',
    title: `watcher ready on ${size}`,
    unit: 'ms',
    ours: { label: 'devenv up -- node app.js → "running" (postgres start included)', samples: s.ours },
    theirs: { label: 'nodemon --verbose app.js → "watching N files"', samples: s.theirs },
    target: {},
    note:
      `tree generated in ${(genMs / 1000).toFixed(1)} s; ` +
      `nodemon said: ${nodemonCount.replace(ANSI_COLOUR, '').trim()}`,
  });
  addRow({
    id: '10b',
    title: `watcher process peak RSS on ${size}`,
    unit: 'MiB',
    ours: { label: 'devenv up (supervisor VmHWM)', samples: s.oursMem },
    theirs: { label: 'nodemon (VmHWM)', samples: s.theirsMem },
    target: {},
  });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 12: snapshots vs dump/restore
/** pg_dump/pg_restore of the server's major: next to the server binaries, or the system's. */
function dumpTools() {
  for (const dir of [binaries.bindir, `/usr/lib/postgresql/${binaries.major}/bin`]) {
    const dump = path.join(dir, 'pg_dump');
    const restore = path.join(dir, 'pg_restore');
    if (existsSync(dump) && existsSync(restore)) return { dump, restore };
  }
  return null;
}

/** Filesystem type of a directory (for the copy path: ext4 copies, btrfs/XFS can clone). */
function fsType(dir) {
  return runOk('df', ['--output=fstype', dir], {}).then((r) => r.stdout.trim().split('\n').pop());
}

async function rowSnapshots() {
  const tools = dumpTools();
  if (!tools) throw new Error(`no pg_dump/pg_restore for PostgreSQL ${binaries.major}: the comparison needs them`);
  const { openProject } = await import(path.join(REPO, 'dist/project/project.js'));
  const { preparePostgres, ensureServer, serverSpec } = await import(path.join(REPO, 'dist/postgres/prepare.js'));
  const { checkNoInterruptedSwap } = await import(path.join(REPO, 'dist/snapshot/interrupted-swap.js'));
  const quiet = { info() {}, notice() {}, step() {} };
  const dir = freshDir('snapshot');
  const sock = path.join(dir, '.pgres');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  // A server that no `up` supervises (a restore under `up` also stops and starts the apps): started in process.
  const project = openProject(dir);
  await ensureServer(preparePostgres(project, checkNoInterruptedSwap), serverSpec(project), quiet, {
    detached: true,
  }).then((r) => r.handle?.child?.unref());
  const client = async (database = USER) => {
    const c = new pg.Client({ host: sock, port: 5432, user: USER, database });
    await c.connect();
    return c;
  };
  let c = await client();
  const tg = now();
  await c.query(
    'CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, created timestamptz NOT NULL, ' +
      'payload text NOT NULL)',
  );
  await c.query(`INSERT INTO items SELECT g, g % 10000, timestamptz '2024-01-01' + g * interval '1 second',
    md5(g::text) || md5((g * 7)::text) FROM generate_series(1, ${SIZES.snapshotRows}) g`);
  await c.query('CREATE INDEX items_account ON items (account)');
  await c.query('VACUUM ANALYZE items');
  const size = Number((await c.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b);
  await c.end();
  const genS = (now() - tg) / 1000;
  const dumpArgs = ['-h', sock, '-U', USER];
  const s = { save: [], dump: [], ready: [], copied: [], pgRestore: [], template: [], down: [], backup: [] };
  let copyPath = '?';
  const restore = async (name, extraEnv, into) => {
    await quiesce();
    const r = await devenv(dir, ['snapshot', 'restore', name, '--yes'], extraEnv);
    if (r.code !== 0) throw new Error(`snapshot restore failed: ${r.stderr.trim()}`);
    into.push(r.ms);
    const down = /down for ([\d.]+) (ms|s)/.exec(r.stderr);
    if (down) s.down.push(Number(down[1]) * (down[2] === 's' ? 1000 : 1));
    return r;
  };
  for (let i = 0; i < SIZES.snapshotRuns; i++) {
    const dumpFile = path.join(TMP, `bench-${i}.dump`);
    // save: whole command, the server running (its ready copy is then made in the background)
    await quiesce();
    let r = await devenv(dir, ['snapshot', 'save', `s${i}`]);
    if (r.code !== 0) throw new Error(`snapshot save failed: ${r.stderr.trim()}`);
    s.save.push(r.ms);
    copyPath = /, (reflink copy|plain copy)\)/.exec(r.stderr)?.[1] ?? copyPath;
    const backup = /backup mode for ([\d.]+ m?s)/.exec(r.stderr)?.[1];
    if (backup) s.backup.push(backup);
    // pg_dump -Fc of the same database
    await quiesce();
    s.dump.push((await runOk(tools.dump, [...dumpArgs, '-Fc', '-f', dumpFile, USER], { env: ENV })).ms);
    // CREATE DATABASE … TEMPLATE (anchor): a file-level copy of one database inside the server
    c = await client('postgres');
    const t0 = now();
    await c.query(`CREATE DATABASE bench_copy TEMPLATE "${USER}"`);
    s.template.push(now() - t0);
    await c.query('DROP DATABASE bench_copy');
    await c.end();
    // restore, whole command (stop, swap, start; the server runs before and after): copying the
    // snapshot (ready copies off), then with the ready copy the save made
    await restore(`s${i}`, { PGRES_NO_SPARES: '1' }, s.copied);
    r = await restore(`s${i}`, {}, s.ready);
    if (!/from its ready copy/.test(r.stderr))
      throw new Error(`restore did not use the ready copy: ${r.stderr.trim()}`);
    // pg_restore --clean of the dump into the same database
    await quiesce();
    s.pgRestore.push((await runOk(tools.restore, [...dumpArgs, '--clean', '-d', USER, dumpFile], { env: ENV })).ms);
    rmSync(dumpFile, { force: true });
    await runOk(CLI, ['snapshot', 'rm', `s${i}`], { cwd: dir, env: ENV });
  }
  const fs = await fsType(dir);
  const gib = (size / 2 ** 30).toFixed(2);
  const down = s.down.map((x) => `${Math.round(x)} ms`).join(', ');
  addRow({
    id: '12a',
    title: `snapshot save, server running (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'devenv snapshot save', samples: s.save },
    theirs: { label: 'pg_dump -Fc', samples: s.dump },
    target: { maxRatio: 0.2 },
    note:
      `${fs}, ${copyPath}; in backup mode ${s.backup.join(', ')} (the server never pauses); ` +
      `database generated in ${genS.toFixed(0)} s`,
  });
  addRow({
    id: '12b',
    title: `snapshot restore, server running (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'devenv snapshot restore --yes (ready copy)', samples: s.ready },
    theirs: { label: 'pg_restore --clean', samples: s.pgRestore },
    target: { maxRatio: 0.1 },
    note: `server down (stop, swap, start), both kinds of restore: ${down}`,
  });
  addRow({
    id: '12c',
    title: `snapshot restore without a ready copy (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'PGRES_NO_SPARES=1 devenv snapshot restore --yes (copies)', samples: s.copied },
    theirs: { label: 'pg_restore --clean', samples: s.pgRestore },
    target: { maxRatio: 0.1 },
  });
  addRow({
    id: '12d',
    title: 'snapshot save vs copying the database inside the server',
    unit: 'ms',
    ours: { label: 'devenv snapshot save (whole cluster)', samples: s.save },
    theirs: { label: 'CREATE DATABASE … TEMPLATE (one database)', samples: s.template },
    target: {},
  });
  await quiesce();
  await runOk(CLI, ['down'], { cwd: dir, env: ENV });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 13: an app flooding its output
/** CPU time (user + system) of a process so far, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** Bytes a process and its descendants have written (to pipes and files alike), from /proc/<pid>/io. */
function bytesWritten(pid) {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      total += Number(/^wchar: (\d+)/m.exec(readFileSync(`/proc/${p}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** Bytes one process (not its children) has written, from /proc/<pid>/io. */
function ownWrites(pid) {
  return Number(/^wchar: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
}

function dirBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(path.join(dir, name)).size;
  return total;
}

/**
 * `yes` as the app for N seconds. Ours: `devenv up -d` (its logs on disk, rotated at the default
 * 10 MiB × 2). Theirs: concurrently, what people use to run several processes with their output
 * together, its output into a file. Supervisor CPU and disk growth over the same window.
 */
async function rowFlood() {
  const secs = SIZES.floodSeconds;
  const mib = 1024 * 1024;
  const dir = freshDir('flood-ours');
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify({ processes: { flood: { command: 'yes', watch: false } } }),
  );
  const started = await devenv(dir, ['up', '-d']);
  if (started.code !== 0) throw new Error(`devenv up -d failed: ${started.stderr.trim()}`);
  const ours = {};
  try {
    // As root devenv keeps its state and logs outside the project: ask where, as the CLI would.
    const paths = projectPaths(dir, ENV);
    const state = JSON.parse(readFileSync(paths.upState, 'utf8'));
    const app = state.processes.find((p) => p.name === 'flood').pid;
    const logs = paths.logs;
    await sleep(500); // past the start
    // What the supervisor writes (its logs, times included, and its state file) is the log churn.
    const [c0, d0, w0, s0] = [cpuSeconds(state.pid), dirBytes(logs), bytesWritten(app), ownWrites(state.pid)];
    await sleep(secs * 1000);
    const [c1, d1, w1, s1] = [cpuSeconds(state.pid), dirBytes(logs), bytesWritten(app), ownWrites(state.pid)];
    Object.assign(ours, {
      cpu: ((c1 - c0) / secs) * 100,
      disk: (d1 - d0) / mib,
      total: d1 / mib,
      rate: (w1 - w0) / mib / secs,
      churn: (s1 - s0) / mib / secs,
    });
    ours.hwm = memoryOf(state.pid)?.hwm ?? NaN;
  } finally {
    await devenv(dir, ['down']);
  }
  const tdir = freshDir('flood-theirs');
  const outFile = path.join(tdir, 'out.log');
  const fd = openSync(outFile, 'a');
  const conc = spawn(NODE, [CONCURRENTLY, 'yes'], { cwd: tdir, env: ENV, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  spawned.add(conc);
  const theirs = {};
  try {
    await sleep(500);
    const [c0, d0, w0] = [cpuSeconds(conc.pid), statSync(outFile).size, bytesWritten(conc.pid)];
    await sleep(secs * 1000);
    const [c1, d1, w1] = [cpuSeconds(conc.pid), statSync(outFile).size, bytesWritten(conc.pid)];
    // concurrently's own writes count in wchar too: the app's share is what it wrote less the copy.
    Object.assign(theirs, {
      cpu: ((c1 - c0) / secs) * 100,
      disk: (d1 - d0) / mib,
      rate: (w1 - w0 - (d1 - d0)) / mib / secs,
    });
  } finally {
    try {
      process.kill(-conc.pid, 'SIGKILL');
    } catch {
      // gone
    }
    spawned.delete(conc);
  }
  addRow({
    id: '13a',
    title: `app printing \`yes\` for ${secs} s: supervisor CPU`,
    unit: '%',
    ours: { label: 'devenv up -d (of one core)', samples: [ours.cpu] },
    theirs: { label: 'concurrently yes > file', samples: [theirs.cpu] },
    target: { maxRatio: 0.5 },
    note:
      `app output read: ours ${ours.rate.toFixed(1)} MiB/s (at most 16 MiB/s of log per stream, each line after ` +
      `its time, then the app waits; the supervisor wrote ${ours.churn.toFixed(1)} MiB/s), ` +
      `theirs ${theirs.rate.toFixed(1)} MiB/s (written out with a "[0] " prefix per line); ` +
      `our supervisor's peak RSS ${ours.hwm.toFixed(0)} MiB`,
  });
  addRow({
    id: '13b',
    title: `same ${secs} s: growth of the logs on disk`,
    unit: 'MiB',
    ours: { label: 'devenv up -d (rotated: 10 MiB × 2 kept)', samples: [Math.max(0, ours.disk)] },
    theirs: { label: 'concurrently yes > file', samples: [theirs.disk] },
    target: { maxValue: 32 },
    note: `ours ${ours.total.toFixed(1)} MiB in all at the end (every log, rotated files included)`,
  });
  rmSync(dir, { recursive: true, force: true });
  rmSync(tdir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 17: upgrade to another major
/**
 * `devenv upgrade` of a pgbench cluster on this PostgreSQL to the embedded (newer) major, against what a user
 * does by hand: initdb of the new major, start it, `pg_dumpall | psql` from the old server, stop it. Ours also
 * saves a snapshot, checks every table's rows and swaps the cluster in; both start from a copy of the cluster.
 */
async function rowUpgrade() {
  const target = findBinaries({ env: { PATH: process.env.PATH, PGRES_BINDIR: 'embedded' } });
  if (target.major <= binaries.major) throw new Error(`the embedded PostgreSQL ${target.major} is not newer`);
  const tool = (name) => path.join(`/usr/lib/postgresql/${binaries.major}/bin`, name);
  for (const t of ['pg_dumpall', 'psql', 'pgbench']) {
    if (!existsSync(tool(t))) throw new Error(`no ${t} for PostgreSQL ${binaries.major}: the comparison needs it`);
  }
  const fixture = freshDir('upgrade-fixture');
  await runOk(CLI, ['init'], { cwd: fixture, env: ENV });
  const bench = ['exec', '--', tool('pgbench'), '-i', '-q', '-s', String(SIZES.upgradeScale)];
  await runOk(CLI, bench, { cwd: fixture, env: ENV });
  await runOk(CLI, ['down'], { cwd: fixture, env: ENV });
  const copy = () => {
    const dir = freshDir('upgrade');
    spawnSync('cp', ['-a', `${fixture}/.`, dir]);
    return dir;
  };
  const ours = [];
  const theirs = [];
  for (let i = 0; i < SIZES.upgradeRuns; i++) {
    let dir = copy();
    await quiesce();
    // Without PGRES_BINDIR: devenv finds the old major's binaries and the embedded target itself.
    const r = await devenv(dir, ['upgrade', '--to', String(target.major)], { PGRES_BINDIR: '' });
    if (r.code !== 0) throw new Error(`devenv upgrade failed: ${r.stderr.trim()}`);
    ours.push(r.ms);
    await runOk(CLI, ['down'], { cwd: dir, env: ENV });
    rmSync(dir, { recursive: true, force: true });
    // By hand: the old server runs (as it would for a dump); the new cluster is made, loaded and stopped.
    dir = copy();
    const old = path.join(dir, '.pgres');
    // -l: without a log pg_ctl leaves the server on its output, and the wait for pg_ctl would never end.
    await pgCtl(old, ['-o', `-c unix_socket_directories=${old}`, '-l', path.join(old, 'bench.log'), '-w', 'start']);
    const { parent, data } = recipeDirs();
    await quiesce();
    const t0 = now();
    const init = [data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C'];
    await runOk(...asAccount(path.join(target.bindir, 'initdb'), ['-D', ...init]), { env: ENV });
    const sock = `-c listen_addresses= -c unix_socket_directories=${parent} -p 5433`;
    const ctl = (args) => runOk(...asAccount(path.join(target.bindir, 'pg_ctl'), ['-D', data, ...args]), { env: ENV });
    await ctl(['-o', sock, '-l', path.join(parent, 'server.log'), '-w', 'start']);
    const pipe = '"$1" -h "$2" -U "$3" | "$4" -q -X -h "$5" -p 5433 -U "$3" -d postgres >/dev/null';
    const args = ['-c', pipe, 'sh', tool('pg_dumpall'), old, USER, tool('psql'), parent];
    await runOk(...asAccount('/bin/sh', args), { env: ENV });
    await ctl(['-m', 'fast', '-w', 'stop']);
    theirs.push(now() - t0);
    await pgCtl(old, ['-m', 'fast', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  }
  addRow({
    id: '17',
    title: `upgrade ${binaries.major} → ${target.major}, pgbench -s ${SIZES.upgradeScale}`,
    unit: 'ms',
    ours: { label: `devenv upgrade --to ${target.major}`, samples: ours },
    theirs: { label: 'initdb + pg_ctl start + pg_dumpall piped to psql + stop', samples: theirs },
    target: { maxRatio: 1.5 },
    note: 'ours also saves a snapshot first, counts every table in both clusters and swaps the new one in',
  });
  rmSync(fixture, { recursive: true, force: true });
}

// ---------------------------------------------------------------- table, JSON, cleanup
function table() {
  const fmtS = (s, unit) => (s ? `${num(s.median, unit)}` : '-');
  const range = (s, unit) => (s ? `${num(s.min, unit)}–${num(s.max, unit)}` : '-');
  const target = (r) =>
    r.target?.maxRatio !== undefined
      ? `≤ ${r.target.maxRatio}×${r.target.spawns === 0 ? ', 0 procs' : ''}`
      : r.target?.maxValue !== undefined
        ? `≤ ${r.target.maxValue} ${r.unit}`
        : (r.target?.text ?? '-');
  const met = (r) => (r.met === true ? 'yes' : r.met === false ? '**no**' : '-');
  const lines = [
    '| # | what | ours | n | median | min–max | theirs | n | median | min–max | ours/theirs | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const o = r.oursSummary;
    const t = r.theirsSummary;
    const cells = [
      r.id,
      r.title,
      r.ours?.label ?? '-',
      o?.n ?? '-',
      fmtS(o, r.unit),
      range(o, r.unit),
      r.theirs?.label ?? '-',
      t?.n ?? '-',
      fmtS(t, r.unit),
      range(t, r.unit),
      r.ratio !== null ? `${r.ratio.toFixed(2)}×` : '-',
      target(r),
      met(r),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.id}: ${r.note}`);
  return `${lines.join('\n')}\n${notes.length ? `\nNotes:\n${notes.join('\n')}\n` : ''}`;
}

async function cleanup() {
  // Background cache refills started by our inits end by themselves: let them, before removing their cache.
  await quiesce().catch(() => undefined);
  // Children a failed row may have left: their whole process group.
  for (const child of spawned) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  }
  // Any postgres still serving a data dir of ours (a background `up`, a recipe server).
  for (const p of processesMentioning(TMP)) {
    try {
      process.kill(p.pid, /postgres|postmaster/.test(p.cmd) ? 'SIGQUIT' : 'SIGKILL');
    } catch {
      // gone
    }
  }
  await waitUntil(() => processesMentioning(TMP).length === 0, 10000, 50);
  rmSync(TMP, { recursive: true, force: true });
  const left = processesMentioning(TMP);
  const strays = processesMentioning('nodemon').filter((p) => p.cmd.includes(REPO));
  return { left, strays, tmpRemoved: !existsSync(TMP) };
}

const ALL = [
  [1, 'cold start / first-ever start / stop (whole command)', rowsColdStart],
  [2, 'reset + up', rowResetUp],
  [3, 'warm start, stop (server part), down', rowsWarmStartStop],
  [5, 'file save → restart', rowRestart],
  [6, 'shell hook vs direnv', rowShellHook],
  [7, 'start time', rowStartTime],
  [8, 'memory', rowMemory],
  [9, 'scale', rowScale],
  [10, 'watcher', rowWatcher],
  [11, 'exec with no server running', rowExecNoServer],
  [12, 'snapshots vs pg_dump / pg_restore', rowSnapshots],
  [13, 'an app flooding its output', rowFlood],
  [14, 'dependency ready → dependent spawned', () => rowDependency(stackContext())],
  [15, 'up -d return after the last process is ready', () => rowUpDetachReturn(stackContext())],
  [16, 'devenv restart web vs nodemon rs', () => rowRestartCommand(stackContext())],
  [17, 'upgrade to another major vs pg_dumpall piped to psql', rowUpgrade],
];

/** What the stack rows (stack-rows.mjs) share with the others. */
function stackContext() {
  return { repo: REPO, runs: RUNS, env: ENV, node: NODE, nodemon: NODEMON, devenv, freshDir, addRow };
}

const info = machine();
const started = now();
console.error(
  `devenv bench${SMOKE ? ' (smoke)' : ''}: ${RUNS} run(s) per row; ` +
    `PostgreSQL ${binaries.version} at ${binaries.bindir}${account ? `, run as "${account.name}"` : ''}; ` +
    `load ${info.loadavg}; temp ${TMP}`,
);
const interrupted = () => {
  void cleanup().finally(() => process.exit(130));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  for (const [id, name, fn] of ALL) {
    if (ONLY && !ONLY.includes(id) && !(id === 3 && ONLY.includes(4)) && !(id === 1 && ONLY.includes(4))) continue;
    console.error(`row ${id}: ${name}`);
    try {
      await fn();
    } catch (err) {
      errors.push(`row ${id} (${name}): ${err?.stack ?? err}`);
      console.error(`  row ${id} failed: ${err?.message ?? err}`);
    }
  }
} finally {
  const clean = await cleanup();
  const result = {
    date: new Date().toISOString(),
    smoke: SMOKE,
    runs: RUNS,
    sizes: SIZES,
    machine: info,
    loadavgAfter: machine().loadavg,
    postgres: {
      version: binaries.version,
      bindir: binaries.bindir,
      source: binaries.source,
      runAs: account?.name ?? null,
    },
    seconds: Math.round((now() - started) / 100) / 10,
    rows: rows.map(({ oursSummary, theirsSummary, ...r }) => ({
      ...r,
      ours: r.ours && { ...r.ours, ...oursSummary },
      theirs: r.theirs && { ...r.theirs, ...theirsSummary },
    })),
    errors,
    cleanup: clean,
  };
  mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  writeFileSync(JSON_OUT, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${table()}\n`);
  console.log(
    `machine: ${info.cpu}, ${info.nproc} cores, ${info.memoryGiB} GiB, ${info.os}, Linux ${info.kernel}, ` +
      `Node ${info.node}, PostgreSQL ${binaries.version}; ` +
      `load before ${info.loadavg}, after ${result.loadavgAfter}; ${result.seconds} s`,
  );
  console.log(
    `cleanup: ${clean.left.length} processes left from the bench` +
      (clean.left.length ? ` (${clean.left.map((p) => `${p.pid} ${p.cmd}`).join('; ')})` : '') +
      `, ${clean.strays.length} nodemon left, temp dir ${TMP} ${clean.tmpRemoved ? 'removed' : 'NOT removed'}`,
  );
  console.log(`results written to ${path.relative(process.cwd(), JSON_OUT) || JSON_OUT}`);
  for (const e of errors) console.error(`error: ${e}`);
  process.exitCode = errors.length || clean.left.length || clean.strays.length || !clean.tmpRemoved ? 1 : 0;
}
