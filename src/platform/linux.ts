// The Linux implementation: /proc for processes and mounts, statfs for space, GNU coreutils' `sync -f`
// and `chown --from` (with the tree pinned through /proc/self/fd).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statfsSync, statSync } from 'node:fs';
import { nearestExisting } from './existing-path.js';
import { fsyncTree } from './fsync-tree.js';
import type { Filesystem, GroupMember, Platform, ProcessFacts, WorkingProcess } from './platform.js';
import { isClockTicks, startStamp } from './start-stamp.js';

/** USER_HZ: /proc counts start times in 1/100 s on every architecture Linux runs on today. */
const TICKS_PER_SECOND = 100;

interface Stat {
  /** One letter: R running, S sleeping, Z zombie, X dead, ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: start time in clock ticks since boot. */
  ticks: string;
}

/** /proc/<pid>/stat; throws when the process is gone. */
function stat(pid: number): Stat {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), ticks: f[19]! };
}

function readStat(pid: number): Stat | null {
  try {
    return stat(pid);
  } catch {
    return null;
  }
}

const isZombieState = (state: string) => state === 'Z' || state === 'X';

/** The boot time in seconds since the epoch, as /proc/stat says (procps' ps reads the same line). */
function bootTime(): number {
  return Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
}

function listPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function processFacts(pid: number): ProcessFacts | null {
  try {
    const { state, ppid, pgrp, ticks } = stat(pid);
    const { uid } = statSync(`/proc/${pid}`);
    const start = startStamp(bootTime() + Math.floor(Number(ticks) / TICKS_PER_SECOND));
    return { ppid, pgid: pgrp, uid, zombie: isZombieState(state), start };
  } catch {
    return null; // gone
  }
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
  } catch {
    return null;
  }
}

function cwd(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The longest mount point in `mounts` (the text of /proc/mounts) that holds `real` (a path without links). */
export function mountOf(real: string, mounts: string): string {
  let best = '/';
  for (const line of mounts.split('\n')) {
    // Spaces, tabs, newlines and backslashes in mount points are written as octal escapes (\040).
    const mnt = (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    const holds = real === mnt || real.startsWith(mnt.endsWith('/') ? mnt : `${mnt}/`);
    if (mnt && holds && mnt.length > best.length) best = mnt;
  }
  return best;
}

export const linuxPlatform: Platform = {
  name: 'linux',
  process: processFacts,
  startRecord: (pid: number) => readStat(pid)?.ticks ?? null,
  sameProcess(pid: number, recorded: string): boolean {
    if (isClockTicks(recorded)) return readStat(pid)?.ticks === recorded;
    return processFacts(pid)?.start === recorded;
  },
  commandLine,
  cwd,
  groupMembers(pgid: number): GroupMember[] {
    const members: GroupMember[] = [];
    for (const pid of listPids()) {
      const stat = readStat(pid); // null: it exited while we were scanning
      if (stat?.pgrp === pgid) members.push({ pid, ppid: stat.ppid, zombie: isZombieState(stat.state) });
    }
    return members;
  },
  workingProcesses(): WorkingProcess[] {
    const found: WorkingProcess[] = [];
    for (const pid of listPids()) {
      const command = commandLine(pid);
      if (command !== null) found.push({ pid, command, cwd: cwd(pid) }); // null: it exited while we looked
    }
    return found;
  },
  processesWithEnv(name: string, value: string): number[] {
    const entry = Buffer.from(`\0${name}=${value}\0`);
    return listPids().filter((pid) => {
      if (pid === process.pid) return false;
      try {
        // NUL-separated: look for the whole entry, the first one too.
        return Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]).includes(entry);
      } catch {
        return false; // another user's, or gone
      }
    });
  },
  programsUnder(dir: string): number[] {
    // Another user's program cannot be read unless we are root; a user's servers run as that user.
    return listPids().filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
  },
  filesystem(target: string): Filesystem {
    const real = nearestExisting(target);
    const st = statfsSync(real);
    const mount = mountOf(real, readFileSync('/proc/mounts', 'utf8'));
    return { mount, free: st.bavail * st.bsize, total: st.blocks * st.bsize };
  },
  /**
   * syncfs(2) of the filesystem (`sync -f`, GNU coreutils and BusyBox) is one call and ~10× faster here
   * than an fsync per file, which remains the fallback.
   */
  async flushTree(root: string): Promise<void> {
    if (!(await syncFilesystem(root))) await fsyncTree(root);
  },
  async flushAhead(root: string): Promise<void> {
    await syncFilesystem(root);
  },
  /**
   * GNU `chown -R -h -P`: it changes each entry through a descriptor of its directory and never follows
   * a link; `--from` checks each entry's owner on a descriptor of that entry. The top directory goes to
   * chown as the caller's descriptor (/proc/self/fd/3/), so a directory swapped in since is not the one changed.
   */
  chownTree(_dir, dirFd, to, from): string | null {
    const only = from === null ? [] : [`--from=${from}`];
    const r = spawnSync('chown', ['-R', '-h', '-P', ...only, `${to.uid}:${to.gid}`, '--', '/proc/self/fd/3/'], {
      cwd: '/',
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe', dirFd],
    });
    if (r.error) return r.error.message;
    return r.status === 0 ? null : r.stderr.trim();
  },
};

/** syncfs(2) of the filesystem holding `root`, by `sync -f`; false when that did not work. */
function syncFilesystem(root: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const child = spawn('sync', ['-f', root], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}
