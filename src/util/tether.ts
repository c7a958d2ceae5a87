// Processes that must not outlive the command that started them (an upgrade's private servers, its dump,
// pg_upgrade): a kill -9 of that command runs no code of its own, so a small watcher does it. The watcher
// is a /bin/sh reading a pipe from us: a line means "done, they ended normally"; end of file means we are
// gone (exited or killed), and it signals them. Only the watcher costs a process; nothing polls.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Identity } from './run-as.js';

// $1 the signal, $2 a socket dir (or ""), then the pids, then `--` and data dirs: a server on one of those
// dirs whose postmaster.pid names that socket dir was started by a program we ran (pg_upgrade's pg_ctl
// starts its servers in a session of their own, out of reach of a signal to the program), so it goes too.
// A Ctrl-C or a closed terminal reaches the watcher too: it ignores them and waits for our end, like the rest.
const WATCH = `trap '' INT HUP
if read -r _; then exit 0; fi
sig=$1; sock=$2; shift 2
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do kill -s "$sig" -- "$1" 2>/dev/null; shift; done
[ "$#" -gt 0 ] && shift
for d in "$@"; do
  [ -n "$sock" ] && [ -f "$d/postmaster.pid" ] || continue
  pid=$(sed -n 1p "$d/postmaster.pid"); dir=$(sed -n 5p "$d/postmaster.pid")
  [ "$dir" = "$sock" ] && kill -s INT "$pid" 2>/dev/null
done
exit 0`;

export interface Tether {
  /** They ended (or were stopped) normally: the watcher exits without signalling anything. */
  release(): void;
}

export interface TetherOptions {
  /** Sent to each pid (a negative pid: its whole process group). */
  signal: NodeJS.Signals;
  /** The account they run as (we are root): the watcher runs as it, so it may signal them and no more. */
  as?: Identity | null;
  /** Servers on these data dirs listening in `socketDir` are stopped (fast shutdown) too. */
  servers?: { socketDir: string; dataDirs: string[] };
}

/** Watch `pids` on our behalf: if this process ends before release(), they get `signal`. */
export function tether(pids: number[], opts: TetherOptions): Tether {
  const servers = opts.servers ?? { socketDir: '', dataDirs: [] };
  const args = [opts.signal.replace(/^SIG/, ''), servers.socketDir, ...pids.map(String), '--', ...servers.dataDirs];
  const watcher: ChildProcess = spawn('/bin/sh', ['-c', WATCH, 'tether', ...args], {
    cwd: '/',
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH || '/usr/bin:/bin', LC_ALL: 'C' },
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
  watcher.on('error', () => undefined);
  watcher.stdin!.on('error', () => undefined);
  // Neither the watcher nor its pipe keeps us running.
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      watcher.stdin!.end('done\n');
    },
  };
}
