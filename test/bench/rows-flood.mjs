// Benchmark row 13: an app flooding its output (`yes`), the supervisor's CPU and its logs' growth on disk
// against concurrently writing the same into a file.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep, spawned } from './lib.mjs';
import { descendants, memoryOf } from './proc.mjs';
import { addRow } from './results.mjs';
import { CONCURRENTLY, devenv, ENV, freshDir, NODE, REPO, SIZES } from './settings.mjs';

const { projectPaths } = await import(path.join(REPO, 'dist/project/paths.js'));

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
export async function rowFlood() {
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
