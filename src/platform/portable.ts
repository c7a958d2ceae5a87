// The portable implementation: only what macOS has as well as Linux. `ps` (POSIX keywords plus lstart,
// which BSD ps and procps both have), `lsof -F` (a process's working directory and program), `df -P -k`,
// an fsync per file, and `chown -R -P -h` (BSD's flags; BSD has no `--from`, so that case is walked here).
import { spawnSync } from 'node:child_process';
import { UserError } from '../errors.js';
import { chownOwnedBy } from './chown-owned.js';
import { nearestExisting } from './existing-path.js';
import { fsyncTree } from './fsync-tree.js';
import type { Filesystem, GroupMember, Platform, ProcessFacts, WorkingProcess } from './platform.js';
import { isClockTicks } from './start-stamp.js';
import { parseDf, parseFactsLine, parseLsofNames, parsePidLines } from './tool-output.js';

/**
 * Run a tool and return what it printed; its exit status is ignored (ps and lsof exit 1 when a pid is
 * gone or a file was not found: empty output says so). A tool that is not installed is one line.
 * The C locale (lsof's names are then escaped in one documented way) and UTC (ps's lstart is then the
 * same text everywhere); ps keeps the user's character set, in which it shows arguments (in the C locale
 * procps shows each non-ASCII byte as `?`).
 */
function run(tool: 'ps' | 'lsof' | 'df', args: string[]): string {
  const { LC_ALL, LC_CTYPE, LANG, ...rest } = process.env;
  const ctype = tool === 'ps' ? [LC_ALL, LC_CTYPE, LANG].find(Boolean) : 'C';
  const env = { ...rest, LC_CTYPE: ctype, LC_MESSAGES: 'C', LC_NUMERIC: 'C', LC_TIME: 'C', TZ: 'UTC0' };
  const r = spawnSync(tool, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  if (r.error) {
    throw new UserError(`devenv needs \`${tool}\` to look at processes and disks (${r.error.message}); install it`);
  }
  return r.stdout;
}

const FACTS = ['-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'uid=', '-o', 'stat=', '-o', 'lstart='];

function processFacts(pid: number): ProcessFacts | null {
  const line = parseFactsLine(run('ps', [...FACTS, '-p', String(pid)]));
  if (line?.pid !== pid) return null;
  const { pid: _, ...facts } = line;
  return facts;
}

/** `lsof -F n` for one kind of descriptor (cwd: working directory, txt: program text): pid → names. */
function lsofNames(kind: 'cwd' | 'txt', pid?: number): Map<number, string[]> {
  const only = pid === undefined ? [] : ['-a', '-p', String(pid)];
  // -w: no warnings about files it cannot look at; -n, -P: no name lookups.
  return parseLsofNames(run('lsof', ['-w', '-n', '-P', '-d', kind, ...only, '-F', 'n']));
}

export const portablePlatform: Platform = {
  name: 'portable',
  process: processFacts,
  startRecord: (pid: number) => processFacts(pid)?.start ?? null,
  sameProcess(pid: number, recorded: string): boolean | null {
    if (isClockTicks(recorded)) return null;
    return processFacts(pid)?.start === recorded;
  },
  commandLine(pid: number): string | null {
    // -ww: the whole line, whatever the terminal's width.
    return parsePidLines(run('ps', ['-ww', '-o', 'pid=', '-o', 'command=', '-p', String(pid)])).get(pid) ?? null;
  },
  cwd(pid: number): string | null {
    return lsofNames('cwd', pid).get(pid)?.[0] ?? null;
  },
  groupMembers(pgid: number): GroupMember[] {
    const members: GroupMember[] = [];
    for (const line of run('ps', ['-A', ...FACTS]).split('\n')) {
      const p = parseFactsLine(line);
      if (p?.pgid === pgid) members.push({ pid: p.pid, ppid: p.ppid, zombie: p.zombie });
    }
    return members;
  },
  workingProcesses(): WorkingProcess[] {
    const commands = parsePidLines(run('ps', ['-A', '-ww', '-o', 'pid=', '-o', 'command=']));
    const cwds = lsofNames('cwd');
    return [...commands].map(([pid, command]) => ({ pid, command, cwd: cwds.get(pid)?.[0] ?? null }));
  },
  processesWithEnv(name: string, value: string): number[] {
    // ps shows the environment after the command: macOS's with -E, procps' (this mode on Linux) with BSD `e`,
    // which macOS reads as "every process". Entries are space-separated there, so only a value with no space
    // (devenv's run marker) is found whole.
    let text = run('ps', ['-A', '-ww', '-E', '-o', 'pid=', '-o', 'command=']);
    if (text === '') text = run('ps', ['axeww', '-o', 'pid=', '-o', 'command=']);
    const entry = ` ${name}=${value} `;
    return [...parsePidLines(text)]
      .filter(([pid, line]) => pid !== process.pid && `${line} `.includes(entry))
      .map(([pid]) => pid);
  },
  programsUnder(dir: string): number[] {
    // On macOS txt lists the program and its libraries, on Linux the program: either way, files it runs.
    const found: number[] = [];
    for (const [pid, names] of lsofNames('txt')) if (names.some((n) => n.startsWith(`${dir}/`))) found.push(pid);
    return found;
  },
  filesystem(target: string): Filesystem | null {
    return parseDf(run('df', ['-P', '-k', nearestExisting(target)]));
  },
  flushTree: fsyncTree,
  // An fsync walk now would be a second one over files that are still changing.
  flushAhead: async () => {},
  chownTree(dir, dirFd, to, from): string | null {
    if (from !== null) return chownOwnedBy(dir, dirFd, to, from);
    // The tree is one only root can reach yet (the callers build it in a private directory), so naming it
    // by path is safe. -P: no link followed; -h: a link's own owner changes; directories after their contents.
    const r = spawnSync('chown', ['-R', '-P', '-h', `${to.uid}:${to.gid}`, '--', dir], {
      cwd: '/',
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.error) return r.error.message;
    return r.status === 0 ? null : r.stderr.trim();
  },
};
