import path from 'node:path';
import { UserError } from '../errors.js';
import { platform } from '../platform/platform.js';
import { formatBytes } from './text.js';

/** Did this error (or a program's output) come from a full filesystem? */
export function isDiskFull(err: unknown): boolean {
  if (typeof err === 'string') return /No space left on device|ENOSPC|could not extend file/i.test(err);
  if (err && typeof err === 'object') {
    if ((err as { code?: unknown }).code === 'ENOSPC') return true;
    if ('message' in err) return isDiskFull(String((err as { message: unknown }).message));
  }
  return false;
}

/**
 * Free and total bytes of the filesystem holding `dir` (or, while it does not exist, its nearest existing
 * parent), and where it is mounted; null if it cannot be asked.
 */
export function diskSpace(dir: string): { mount: string; free: number; total: number } | null {
  try {
    return platform().filesystem(dir);
  } catch (err) {
    if (err instanceof UserError) throw err; // a tool to install
    return null; // removed while we looked
  }
}

/** Less than this free and postgres cannot even add a WAL segment (16 MiB by default, 1 MiB for our clusters). */
export const FULL_BELOW_BYTES = 2 * 1024 * 1024;

/** One line naming the full filesystem and its free space, for whatever was being written at `where`. */
export function diskFullMessage(where: string, what: string, advice = 'free some space and run again'): string {
  const space = diskSpace(where);
  const mount = space?.mount ?? path.resolve(where);
  const free = space ? ` (now ${formatBytes(space.free)} free of ${formatBytes(space.total)})` : '';
  return `${what}: the filesystem at ${mount} ran out of space${free}; ${advice}`;
}

/**
 * For a long-running process that writes (`devenv up`): says once that the disk under `dir` is
 * full, and once that writing works again. A full disk fails every write, many times a second; in
 * between those two lines it stays quiet. Other write failures are said once per file.
 */
export class DiskFullNotice {
  private full = false;
  private readonly saidFor = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly say: (line: string) => void,
  ) {}

  get isFull(): boolean {
    return this.full;
  }

  /** Writing `what` (a file, or a name like "postgres") failed with `err` (an error or a log line). */
  failed(what: string, err: unknown): void {
    const name = path.basename(what);
    let line: string | null = null;
    if (isDiskFull(err)) {
      if (this.full) return;
      this.full = true;
      line = diskFullMessage(this.dir, `disk full (${name})`, 'devenv keeps running and retries; free some space');
    } else {
      if (this.saidFor.has(what)) return;
      this.saidFor.add(what);
      const why = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err);
      line = `cannot write ${name}: ${why}; devenv keeps running and retries`;
    }
    // Not from inside the write that failed: saying it writes again.
    queueMicrotask(() => this.say(line));
  }

  /** A write worked again. */
  recovered(what?: string): void {
    if (what) this.saidFor.delete(what);
    if (!this.full) return;
    // A small file fits in the last free blocks while postgres still cannot add a WAL segment.
    const space = diskSpace(this.dir);
    if (space && space.free < FULL_BELOW_BYTES) return;
    this.full = false;
    queueMicrotask(() => this.say('disk space is available again: writing resumes'));
  }
}
