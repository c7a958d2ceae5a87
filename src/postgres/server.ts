import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, type FSWatcher, readSync, watch } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { SettingValue } from '../project/config.js';
import type { ProjectPaths } from '../project/paths.js';
import { TCP_ADDRESSES, type TcpEndpoint } from '../project/tcp.js';
import type { ExitStatus } from '../util/exit-status.js';
import { processGone, waitGone } from '../util/liveness.js';
import { openRegular } from '../util/no-follow.js';
import { lastLines } from '../util/text.js';
import { trace } from '../util/trace.js';
import type { Binaries } from './binaries.js';
import type { ClusterFs } from './cluster-fs.js';
import { checkPostmaster, readPostmasterPid } from './postmaster-pid.js';
import { type ListenSettings, settingsArgs, writeServerConfig } from './settings.js';
import { ensureSocketDir } from './socket-dir.js';

export interface ServerHandle {
  pid: number;
  /** Present when we spawned it (not when we found one already running). */
  child?: ChildProcess;
  /** Settles when the server process has exited. */
  exited: Promise<ExitStatus>;
}

/** What a start of the server needs to know: where (the paths, the port), how (TCP, postgres.settings). */
export interface ServerSpec {
  readonly paths: ProjectPaths;
  /** 5432 (socket only) or the TCP port: it names the socket file. */
  readonly port: number;
  readonly tcp: TcpEndpoint | null;
  readonly settings: Readonly<Record<string, SettingValue>>;
}

/** The pid of a live postmaster of this cluster, verified, or null. Throws if another user's server holds it. */
export function findRunningServer(pgdata: string): number | null {
  const pm = readPostmasterPid(pgdata);
  if (!pm) return null;
  const who = checkPostmaster(pm.pid, pgdata);
  if (who === 'foreign-user') {
    throw new UserError(
      `a postgres server (pid ${pm.pid}) of another user is running on ${pgdata}; stop it as that user ` +
        `(e.g. \`sudo devenv down\` or \`sudo kill -INT ${pm.pid}\`) and run again`,
    );
  }
  return who === 'ours' ? pm.pid : null;
}

/**
 * A server found running may still be starting (clients would get "the database system is
 * starting up") or already stopping: wait until it serves (true) or is gone (false).
 */
export async function waitServing(pgdata: string, pid: number, timeoutMs = 60000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const pm = readPostmasterPid(pgdata);
    if (!pm || pm.pid !== pid || processGone(pid)) return false;
    if (pm.status === 'ready' || pm.status === 'standby') return true;
    if (pm.status === 'stopping') {
      await waitGone(pid, Math.max(0, until - Date.now()));
      return false;
    }
    if (Date.now() > until) return true; // still "starting": let the client say what it sees
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** postgres did not come up. The last lines of its log travel as data: each caller decides how to show them. */
export class ServerStartError extends UserError {
  constructor(
    readonly reason: 'timed out' | 'it exited',
    readonly logTail: string,
  ) {
    super(`postgres did not start (${reason}); server log: ${logTail}`);
    this.name = 'ServerStartError';
  }

  /** What happened, without the log lines. */
  get summary(): string {
    return `postgres did not start (${this.reason})`;
  }
}

export interface StartOptions {
  /** Own process group, survives our exit (for `up -d` and transient psql servers that must not get our Ctrl-C). */
  detached?: boolean;
  timeoutMs?: number;
  /** postgres.tcp as checked just before (free port, the addresses this machine has). */
  tcp?: ListenSettings | null;
  /** A postgres.tcp port another program holds: start on the socket only, saying so, rather than fail. */
  socketOnlyIfTaken?: boolean;
  /** Told the moment postgres is spawned: work that can wait runs while it boots. */
  onSpawn?: () => void;
}

/**
 * Spawn `postgres -D` directly (no pg_ctl and its 100 ms polling), its output appended to its log in the
 * cluster, and resolve once postmaster.pid says "ready". Fails with the log tail when it does not come up.
 */
export async function startServer(
  server: ServerSpec,
  binaries: Binaries,
  fs: ClusterFs,
  opts: StartOptions,
): Promise<ServerHandle> {
  const { paths } = server;
  const stale = readPostmasterPid(paths.pgdata);
  if (stale && findRunningServer(paths.pgdata) === null && !processGone(stale.pid)) {
    // The pid was reused by an unrelated process: postgres would refuse the lock file forever.
    fs.remove(path.join(paths.pgdata, 'postmaster.pid'));
  }
  const tcp = server.tcp ? (opts.tcp ?? { port: server.port, addresses: [...TCP_ADDRESSES] }) : null;
  writeServerConfig(paths, tcp, fs);
  ensureSocketDir(paths, fs);
  const logFile = paths.serverLog;
  const program = path.join(binaries.bindir, 'postgres');
  // The settings go on the command line: nothing of ours to rewrite in the cluster at every start.
  const args = ['-D', paths.pgdata, ...settingsArgs(paths, server.settings, tcp)];
  // Where this start's lines begin: a failure shows those, not the end of an earlier run.
  const logStart = logSize(logFile, fs.account?.uid);
  const how = fs.appendingTo(logFile, program, args);
  let child: ChildProcess;
  try {
    child = spawn(how.file, how.args, {
      stdio: ['ignore', how.fd ?? 'ignore', how.fd ?? 'ignore'],
      detached: opts.detached ?? false,
      ...fs.spawnOptions(),
    });
  } finally {
    if (how.fd !== null) closeSync(how.fd);
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  const pid = child.pid;
  trace(`postgres spawned (pid ${pid})`);
  if (pid === undefined) {
    await exited;
    throw new UserError(`could not run ${program}`);
  }
  opts.onSpawn?.();
  const ready = await waitReady(paths.pgdata, pid, exited, opts.timeoutMs ?? 30000);
  trace(`postgres ${ready}`);
  if (ready !== 'ready') {
    if (ready === 'timeout') {
      child.kill('SIGQUIT');
      await exited;
    }
    const logTail = readTail(logFile, logStart, 8, fs.account?.uid) || '(no output)';
    throw new ServerStartError(ready === 'timeout' ? 'timed out' : 'it exited', logTail);
  }
  return { pid, child, exited };
}

function logSize(file: string, owner?: number): number {
  const opened = openRegular(file, owner);
  if (!opened) return 0;
  closeSync(opened.fd);
  return opened.stat.size;
}

/**
 * The last lines the server wrote to its log from byte `from` on (all of it, if it was emptied
 * meanwhile); as root only a regular file of the account's (never through a link).
 */
function readTail(file: string, from: number, n: number, owner?: number): string {
  const opened = openRegular(file, owner);
  if (!opened) return '';
  try {
    const size = opened.stat.size;
    const start = size < from ? 0 : Math.max(from, size - 8192);
    const buf = Buffer.alloc(opened.stat.size - start);
    const got = readSync(opened.fd, buf, 0, buf.length, start);
    return lastLines(buf.subarray(0, got).toString('utf8'), n);
  } finally {
    closeSync(opened.fd);
  }
}

/** Wait until postmaster.pid names our child with status "ready"; wake on dir changes, poll as a fallback. */
function waitReady(
  pgdata: string,
  pid: number,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  return new Promise((resolve) => {
    let done = false;
    let watcher: FSWatcher | null = null;
    const finish = (r: 'ready' | 'exited' | 'timeout') => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve(r);
    };
    const check = () => {
      const pm = readPostmasterPid(pgdata);
      if (pm && pm.pid === pid && pm.status === 'ready') finish('ready');
    };
    try {
      watcher = watch(pgdata, check);
      watcher.on('error', () => undefined);
    } catch {
      watcher = null;
    }
    const poll = setInterval(check, 10);
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    exited.then(() => finish('exited'));
    check();
  });
}

/**
 * Fast shutdown (SIGINT), then SIGQUIT after the grace period, then SIGKILL.
 * Works for a server we spawned and for one found through postmaster.pid. `exited`: our child's exit,
 * which says it at once (a server found through postmaster.pid is polled for).
 */
export async function stopServer(
  pid: number,
  opts: { graceMs?: number; exited?: Promise<unknown> } = {},
): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  const { exited } = opts;
  const gone = (ms: number) =>
    exited ? Promise.race([exited.then(() => true), waitGone(pid, ms)]) : waitGone(pid, ms);
  signal('SIGINT');
  if (await gone(opts.graceMs ?? 10000)) return;
  signal('SIGQUIT');
  if (await gone(5000)) return;
  signal('SIGKILL');
  await gone(5000);
}
