// Helpers for the benchmark runner: timing, child processes, statistics, a local HTTP GET (/proc readings: proc.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { processesMentioning } from './proc.mjs';

export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The body of GET / on a local port, or null when nothing answers (within a second). */
export function httpBody(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
  });
}

export function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(samples) {
  if (!samples?.length) return null;
  return { n: samples.length, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

/** Every child we start is remembered, so the final cleanup can take down whatever a failed row left. */
export const spawned = new Set();

/** Run a command to completion; resolves with wall time, exit code and output. */
export function runTimed(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(file, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    spawned.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = now() - t0;
      clearTimeout(timer);
      spawned.delete(child);
      // 'exit' can come before the pipes drain: wait for them, outside the timed part.
      let open = 2;
      const done = () => --open === 0 && resolve({ ms, code, signal, stdout, stderr });
      if (child.stdout.readableEnded) done();
      else child.stdout.on('end', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.on('end', done);
    });
  });
}

/** Like runTimed, but throws with the output when the command fails. */
export async function runOk(file, args, opts = {}) {
  const r = await runTimed(file, args, opts);
  if (r.code !== 0) {
    const output = (r.stderr || r.stdout).trim().slice(-600);
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed (exit ${r.code ?? r.signal}): ${output}`);
  }
  return r;
}

/**
 * A long-running child in its own process group (so the group can be signalled and checked),
 * its output collected into lines; `waitLine` resolves when a line matches.
 */
export function startLong(file, args, opts = {}) {
  const t0 = now();
  // `stdin: 'pipe'` for a program told what to do on its terminal (nodemon's `rs`).
  const child = spawn(file, args, { ...opts, detached: true, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  const lines = [];
  const waiters = [];
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal, at: now() };
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { code: 127, signal: null, at: now(), err };
      resolve(exitInfo);
    });
  });
  const onData = (d) => {
    for (const line of d.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(now());
        }
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return {
    child,
    t0,
    lines,
    exited,
    get exit() {
      return exitInfo;
    },
    /** Time at which a matching line appeared (already seen lines count, at the moment of the call). */
    waitLine(re, timeoutMs = 60000) {
      if (lines.some((l) => re.test(l))) return Promise.resolve(now());
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        const timer = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output: ${lines.slice(-8).join(' | ')}`));
          }
        }, timeoutMs);
        timer.unref(); // an unanswered timer must not keep the bench alive
        exited.then((e) => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(
              new Error(
                `exited (${e.code ?? e.signal}) before a line matching ${re}; output: ${lines.slice(-8).join(' | ')}`,
              ),
            );
          }
        });
      });
    },
  };
}

export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(pred, timeoutMs = 20000, stepMs = 5) {
  const until = now() + timeoutMs;
  while (now() < until) {
    if (await pred()) return true;
    await sleep(stepMs);
  }
  return pred();
}

/** Stop a long child: `signal` to its pid, then the whole group hard if it lingers. Returns ms to exit. */
export async function stopLong(long, signal = 'SIGINT', graceMs = 20000) {
  const t0 = now();
  if (!long.exit) {
    try {
      process.kill(long.child.pid, signal);
    } catch {
      // gone
    }
  }
  let timer;
  const e = await Promise.race([long.exited, new Promise((r) => (timer = setTimeout(() => r(null), graceMs)))]);
  clearTimeout(timer);
  const ms = e ? e.at - t0 : null;
  if (!e || groupAlive(long.child.pid)) {
    try {
      process.kill(-long.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await long.exited;
  }
  spawned.delete(long.child);
  return ms;
}

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function machine() {
  const cpu = /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(safeRead('/proc/meminfo'))?.[1] ?? 0);
  const os = /PRETTY_NAME="([^"]*)"/.exec(safeRead('/etc/os-release'))?.[1] ?? process.platform;
  return {
    cpu,
    nproc: spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim(),
    memoryGiB: Math.round((memKb / 1048576) * 10) / 10,
    os,
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout?.trim(),
    node: process.version,
    loadavg: safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' '),
    nodeExtraCaCerts: Boolean(process.env.NODE_EXTRA_CA_CERTS),
  };
}

function safeRead(f) {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

export function exists(p) {
  return existsSync(p);
}

/**
 * Wait until no background job of ours runs (a cache refill `devenv __refill`, a snapshot's ready copy,
 * the deletion of a restore's old files or of a reset cluster): a user does not wait for them, but one left
 * running would steal CPU and disk from the next measurement, ours or theirs.
 */
export async function quiesce(timeoutMs = 60000) {
  const busy = () =>
    processesMentioning('__refill').length +
    processesMentioning('__delete').length +
    processesMentioning('--job').filter((p) => p.cmd.includes('snapshot/worker.js')).length +
    processesMentioning('/snapshots/.trash-').length;
  await waitUntil(() => busy() === 0, timeoutMs, 20);
  // Write back what earlier samples left dirty (an initdb --no-sync is ~30 MB): a sample that syncs
  // (ours: one syncfs; the recipe's initdb: an fsync per file) would otherwise pay for the one before.
  spawnSync('sync');
}
