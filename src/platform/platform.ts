// What devenv asks of the operating system about processes and files, behind one interface with two
// implementations: `linux.ts` reads /proc (and uses GNU tools), `portable.ts` uses only tools macOS has too
// (ps, lsof, df, chown) and fsync. Facts that depend on the OS itself, not on how they are read (the socket
// path limit, the user's directories), are in `os-facts.ts`.
import { UserError } from '../errors.js';
import { linuxPlatform } from './linux.js';
import { portablePlatform } from './portable.js';

/** What devenv reads of one process. */
export interface ProcessFacts {
  ppid: number;
  /** Its process group. */
  pgid: number;
  /** Its effective user id. */
  uid: number;
  /** Exited, not yet collected by its parent (it runs nothing). */
  zombie: boolean;
  /** When it started, to the second (UTC, ISO 8601). */
  start: string;
}

export interface GroupMember {
  pid: number;
  ppid: number;
  zombie: boolean;
}

/** A process's command line (its arguments joined by spaces) and working directory (null: not ours to read). */
export interface WorkingProcess {
  pid: number;
  command: string;
  cwd: string | null;
}

/** The filesystem holding a path: where it is mounted, and its free (for unprivileged users) and total bytes. */
export interface Filesystem {
  mount: string;
  free: number;
  total: number;
}

export interface Platform {
  readonly name: 'linux' | 'portable';
  /** One process, or null when it is gone (or cannot be seen). */
  process(pid: number): ProcessFacts | null;
  /**
   * What to write down to recognise this process later (with its pid it names one process for good):
   * Linux's clock ticks since boot, elsewhere its start; null when it is gone.
   */
  startRecord(pid: number): string | null;
  /**
   * Is `pid` still the process whose start was recorded (by either implementation)? null when that cannot
   * be told: clock ticks, which only Linux can read.
   */
  sameProcess(pid: number, recorded: string): boolean | null;
  /** Its arguments joined by spaces, as ps shows them; null when it is gone. */
  commandLine(pid: number): string | null;
  /** Its working directory; null when it is gone or belongs to another user. */
  cwd(pid: number): string | null;
  /** Every member of process group `pgid`, zombies included. */
  groupMembers(pgid: number): GroupMember[];
  /** Every process this user can see, with its command line and (where readable) working directory. */
  workingProcesses(): WorkingProcess[];
  /**
   * Processes of this user (any, as root) but this one whose environment holds `name=value`: children that
   * left their process group still carry what they were started with.
   */
  processesWithEnv(name: string, value: string): number[];
  /** Processes whose program (or, where the OS lists them alike, a library it runs) is a file below `dir`. */
  programsUnder(dir: string): number[];
  /**
   * The filesystem holding `target` (or, if it does not exist, its nearest existing parent); null if the
   * tool gave no answer. Throws if the path went away while it was looked at.
   */
  filesystem(target: string): Filesystem | null;
  /** Make every file and directory of the tree durable (a power cut after this loses nothing of it). */
  flushTree(root: string): Promise<void>;
  /**
   * Start writing back what is already in the tree while it may still change (a later flushTree makes it
   * durable): a head start where that is one cheap call, nothing where it would mean a second walk.
   * Never fails.
   */
  flushAhead(root: string): Promise<void>;
  /**
   * Give the tree at `dir` (open as `dirFd`, checked by the caller) to uid:gid without following a link,
   * each directory after its contents; with `from`, only entries that uid owns. Returns why it failed, or null.
   */
  chownTree(dir: string, dirFd: number, to: { uid: number; gid: number }, from: number | null): string | null;
}

/** `PGRES_PLATFORM=portable` runs the portable implementation on Linux too (CI tests it that way). */
export function choosePlatform(env: NodeJS.ProcessEnv = process.env, os: string = process.platform): Platform {
  const wanted = env.PGRES_PLATFORM || (os === 'linux' ? 'linux' : 'portable');
  if (wanted === 'portable') return portablePlatform;
  if (wanted === 'linux' && os === 'linux') return linuxPlatform;
  const choices = os === 'linux' ? '"portable" or "linux"' : '"portable"';
  throw new UserError(`PGRES_PLATFORM=${wanted} cannot be used here; set it to ${choices} or unset it`);
}

let chosen: Platform | null = null;

/** The implementation this process uses (chosen once). */
export function platform(): Platform {
  chosen ??= choosePlatform();
  return chosen;
}
