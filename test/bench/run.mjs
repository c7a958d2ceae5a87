#!/usr/bin/env node
// devenv benchmarks, side by side with what users would do instead (issue 5).
//
//   npm run bench                      full run (several iterations per row), writes test/bench/results.json
//   npm run bench -- --smoke           one iteration, small sizes: proves the bench works (CI); asserts no time
//   options: --runs=N  --only=1,3,6  --pg=system|embedded|/abs/bin  --json=FILE  --markdown
//
// Every row is measured in the same run as its comparison, iterations interleaved (ours, theirs, ours, ...)
// so that load from other processes hits both sides alike. Both sides use the same Postgres binaries.
// The rows live in rows-*.mjs (and stack-rows.mjs), what they share in settings.mjs; this file runs the rows
// the options choose, then reports them (table, JSON) and cleans up.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine, now, quiesce, spawned, waitUntil } from './lib.mjs';
import { processesMentioning } from './proc.mjs';
import { addRow, errors, num, rows } from './results.mjs';
import { rowMemory, rowRestart, rowWatcher } from './rows-app.mjs';
import { rowExecNoServer, rowResetUp, rowsColdStart, rowsWarmStartStop } from './rows-cluster.mjs';
import { rowFlood } from './rows-flood.mjs';
import { rowShellHook } from './rows-hook.mjs';
import { rowScale } from './rows-scale.mjs';
import { rowSnapshots } from './rows-snapshot.mjs';
import { rowStartTime } from './rows-start-time.mjs';
import { rowUpgrade } from './rows-upgrade.mjs';
import {
  account,
  binaries,
  devenv,
  ENV,
  freshDir,
  JSON_OUT,
  NODE,
  NODEMON,
  ONLY,
  REPO,
  RUNS,
  SIZES,
  SMOKE,
  TMP,
} from './settings.mjs';
import { rowDependency, rowRestartCommand, rowUpDetachReturn } from './stack-rows.mjs';

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
