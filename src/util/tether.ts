// Processes that must not outlive the command that started them (an upgrade's private servers, its dump,
// pg_upgrade): a kill -9 of that command runs no code of its own, so a small watcher does it. The watcher
// is a /bin/sh reading a pipe from us, started before the programs it watches: each line names a pid (as
// soon as it is spawned, in the same tick), "done" means they ended normally; end of file means we are
// gone (exited or killed), and it signals them. Only the watcher costs a process; nothing polls.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Identity } from './run-as.js';

// $1 the signal, $2 a socket dir (or ""), then data dirs: a server on one of those dirs whose postmaster.pid
// names that socket dir was started for us, by us (if we died before its pid was sent) or by a program we
// ran (pg_upgrade's pg_ctl starts its servers in a session of their own), so it is stopped too. One may
// still be starting when we end (pg_ctl killed after its fork: the postmaster goes on, and writes its
// socket dir only once it listens), so the dirs are looked at until none has been starting or running
// for 2 s (at most 30 s). A Ctrl-C or a closed terminal reaches the watcher as well: it ignores them and
// acts on our end, like the rest.
const WATCH = `trap '' INT HUP
sig=$1; sock=$2; shift 2; pids=
while read -r line; do
  case $line in done) exit 0 ;; *) pids="$pids $line" ;; esac
done
for p in $pids; do kill -s "$sig" -- "$p" 2>/dev/null; done
[ -n "$sock" ] || exit 0
quiet=0; looks=0
while [ $quiet -lt 20 ] && [ $looks -lt 300 ]; do
  quiet=$((quiet + 1)); looks=$((looks + 1))
  for d in "$@"; do
    [ -f "$d/postmaster.pid" ] || continue
    pid=$(sed -n 1p "$d/postmaster.pid"); dir=$(sed -n 5p "$d/postmaster.pid")
    case $pid in ''|*[!0-9]*) continue ;; esac
    kill -0 "$pid" 2>/dev/null || continue
    if [ "$dir" = "$sock" ]; then kill -s INT "$pid" 2>/dev/null; quiet=0
    elif [ -z "$dir" ]; then quiet=0
    fi
  done
  sleep 0.1
done
exit 0`;

export interface Tether {
  /** Watch this pid too (a negative pid: its whole process group). Call it right after the spawn. */
  add(pid: number | undefined): void;
  /** They ended (or were stopped) normally: the watcher exits without signalling anything. */
  release(): void;
}

export interface TetherOptions {
  /** Sent to each pid. */
  signal: NodeJS.Signals;
  /** The account they run as (we are root): the watcher runs as it, so it may signal them and no more. */
  as?: Identity | null;
  /** Servers on these data dirs listening in `socketDir` are stopped (fast shutdown) too. */
  servers?: { socketDir: string; dataDirs: string[] };
}

/** A watcher on our behalf: if this process ends before release(), what it was given gets `signal`. */
export function tether(opts: TetherOptions): Tether {
  const servers = opts.servers ?? { socketDir: '', dataDirs: [] };
  const args = [opts.signal.replace(/^SIG/, ''), servers.socketDir, ...servers.dataDirs];
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
    add(pid) {
      // A pipe write of a few bytes goes straight to the kernel: the watcher has it even if we die next.
      if (pid !== undefined && !released) watcher.stdin!.write(`${pid}\n`);
    },
    release() {
      if (released) return;
      released = true;
      watcher.stdin!.end('done\n');
    },
  };
}
