// What /proc says about processes, for the benchmark runner: alive or not, memory, descendants, and which
// processes mention a path (the bench's own, found again at cleanup).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited; its parent just has not reaped it yet.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** Peak and current resident set of one process, in MiB (from /proc/<pid>/status). */
export function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** Pids of all live descendants of `pid` (through /proc/<pid>/task/<pid>/children). */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let kids = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return;
    }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

/** Live processes whose command line or working directory mentions `needle` (excluding us). */
export function processesMentioning(needle) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // not ours to read
      }
      if (!pidAlive(Number(name))) continue;
      if (cmd.includes(needle) || cwd.startsWith(needle)) found.push({ pid: Number(name), cmd: cmd.slice(0, 160) });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
