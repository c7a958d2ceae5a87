// Benchmark rows 1-4 and 11: a project's server from nothing, after a reset, warm, stopped, and started and
// stopped around one client command, against the same steps done by hand with initdb and pg_ctl.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { now, quiesce, runOk, which } from './lib.mjs';
import {
  asAccount,
  pgCtl,
  postmasterPid,
  recipeDirs,
  runRecipe,
  stopUp,
  upUntilConnected,
  waitConnect,
} from './postgres-sides.mjs';
import { pidAlive } from './proc.mjs';
import { addRow } from './results.mjs';
import { binaries, CLI, devenv, ENV, freshDir, REPO, RUNS, USER } from './settings.mjs';

export async function rowsColdStart() {
  // Warm the template cache once (not timed): the first-ever case is measured separately below.
  const warm = freshDir('warm');
  await runOk(CLI, ['init'], { cwd: warm, env: ENV });
  // Every tree made here is removed after the last sample, not between them. ext4 does not hand out an
  // inode freed in the last minute or more (recently_deleted): after an rm -rf of a cluster each file
  // created scans past those, and perf put ~47% of an initdb run just after one in ext4_create. Users
  // rarely delete a thousand files right before a first start; the samples would measure our own rm.
  const later = [warm];

  const cold = { ours: [], theirs: [] };
  const first = { ours: [], theirs: [] };
  const initdbAlone = [];
  const stop = { ours: [], theirs: [] };
  for (let i = 0; i < RUNS; i++) {
    // ours, template cached (and a spare made by the previous init's background refill)
    await quiesce();
    let dir = freshDir('cold');
    let r = await upUntilConnected(dir);
    cold.ours.push(r.ms);
    stop.ours.push(await stopUp(r.up, dir));
    later.push(dir);
    // theirs
    await quiesce();
    const rd = recipeDirs();
    const t0 = now();
    await runRecipe(rd.data);
    const t = (await waitConnect(rd.data)) - t0;
    cold.theirs.push(t);
    first.theirs.push(t);
    stop.theirs.push((await pgCtl(rd.data, ['-m', 'fast', '-w', 'stop'])).ms);
    later.push(rd.parent);
    // The floor of a first start: the recipe's initdb alone, without its sync (ours syncs once, later).
    await quiesce();
    const fd = recipeDirs();
    const initdb = ['-D', fd.data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
    initdbAlone.push((await runOk(...asAccount(path.join(binaries.bindir, 'initdb'), initdb), { env: ENV })).ms);
    later.push(fd.parent);
    // ours, first ever: an empty template cache
    await quiesce();
    dir = freshDir('first');
    const cache = freshDir('emptycache');
    r = await upUntilConnected(dir, { PGRES_CACHE_DIR: cache });
    first.ours.push(r.ms);
    await stopUp(r.up, dir);
    // The background refill is still filling this cache: let it finish before the next sample.
    await quiesce();
    later.push(dir, cache);
  }
  for (const tree of later) rmSync(tree, { recursive: true, force: true });
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
    id: '1c',
    title: 'floor of 1b: initdb --no-sync alone, which any first start runs',
    unit: 'ms',
    ours: { label: 'initdb --no-sync (same flags as the recipe)', samples: initdbAlone },
    theirs: { label: recipe, samples: first.theirs },
    target: {},
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

export async function rowResetUp() {
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

export async function rowsWarmStartStop() {
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

// ---------------------------------------------------------------- 11: a client command with no server running
export async function rowExecNoServer() {
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
