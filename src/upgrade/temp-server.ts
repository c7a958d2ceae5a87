// A server of the upgrade's own: on the old cluster (to dump it and count its rows) or on the new one
// being built, reachable only through a socket in a private directory, so no app or psql session of the
// project can reach either while the upgrade reads and writes them. Tethered: a kill of the upgrade stops it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Binaries } from '../postgres/binaries.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import { readPostmasterPid } from '../postgres/postmaster-pid.js';
import { stopServer } from '../postgres/server.js';
import type { SettingValue } from '../project/config.js';
import { type Tether, tether } from '../util/tether.js';

/** Port numbers only name the socket files here (no TCP): one for each server in the private dir. */
export const OLD_PORT = 50432;
export const NEW_PORT = 50433;

/** Settings for loading a dump: nothing is flushed until the end (the new files are synced before the swap). */
export const LOADING: [string, string][] = [
  ['fsync', 'off'],
  ['full_page_writes', 'off'],
  ['synchronous_commit', 'off'],
  ['autovacuum', 'off'],
  ['max_wal_size', '1GB'],
  // Index builds of the loaded tables.
  ['maintenance_work_mem', '256MB'],
];

export interface TempServerSpec {
  /** Which it is, for the line a failed start is: "the old cluster", "the new cluster". */
  label: string;
  binaries: Binaries;
  pgdata: string;
  socketDir: string;
  port: number;
  /** postgres.settings (shared_preload_libraries may be needed to load a dump), then our own. */
  settings: Readonly<Record<string, SettingValue>>;
  extra?: [string, string][];
  fs: ClusterFs;
}

export interface TempServer {
  readonly port: number;
  readonly socketDir: string;
  stop(): Promise<void>;
}

const KEEP_LINES = 20;

/** Start it and wait until it accepts connections; a start that fails is one line with postgres' reason. */
export async function startTempServer(spec: TempServerSpec): Promise<TempServer> {
  const program = path.join(spec.binaries.bindir, 'postgres');
  const settings: [string, string][] = [
    ...Object.entries(spec.settings).map(([k, v]): [string, string] => [k, String(v)]),
    ...(spec.extra ?? []),
    ['listen_addresses', ''],
    ['unix_socket_directories', spec.socketDir],
    ['unix_socket_permissions', '0700'],
    ['port', String(spec.port)],
  ];
  const args = ['-D', spec.pgdata, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  // Watched from before it exists: also by its data dir and socket dir, should we die before its pid is sent.
  const leash: Tether = tether({
    signal: 'SIGINT',
    as: spec.fs.account,
    servers: { socketDir: spec.socketDir, dataDirs: [spec.pgdata] },
  });
  // Its output comes to us (the last lines explain a failed start); postgres ignores a broken pipe.
  const child: ChildProcess = spawn(program, args, {
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spec.fs.spawnOptions(),
  });
  const pid = child.pid;
  leash.add(pid);
  const lines: string[] = [];
  const keep = (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - KEEP_LINES));
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
  if (pid === undefined) {
    await exited;
    leash.release();
    throw new UserError(`could not run ${program}`);
  }
  const stop = async () => {
    await stopServer(pid);
    await exited;
    leash.release();
  };
  if (!(await ready(spec.pgdata, pid, exited))) {
    await stop();
    const line = [...lines].reverse().find((l) => /\b(FATAL|PANIC|ERROR):/.test(l)) ?? lines[lines.length - 1];
    // Without the time and pid postgres puts before it.
    const reason = line?.replace(/^.*?\b(FATAL|PANIC|ERROR):\s+/, '$1: ').trim();
    throw new UserError(
      `PostgreSQL ${spec.binaries.version} did not start on ${spec.label}${reason ? `: ${reason}` : ''}`,
    );
  }
  return { port: spec.port, socketDir: spec.socketDir, stop };
}

/** postmaster.pid names our child as ready; false if it exited (or took over a minute). */
async function ready(pgdata: string, pid: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const until = Date.now() + 60000;
  while (!gone && Date.now() < until) {
    const pm = readPostmasterPid(pgdata);
    if (pm?.pid === pid && pm.status === 'ready') return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
