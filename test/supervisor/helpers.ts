// Test helpers. Deliberately independent of src/supervisor/process-group.ts: the proof that a
// process group is gone must not trust the code under test.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LogFile } from '../../src/supervisor/log-output.js';
import { RotatingLog } from '../../src/util/rotating-log.js';
import { groupMembers, procStat } from '../helpers/proc.js';

/**
 * Throws unless group `pgid` is gone: kill(-pgid, 0) fails with ESRCH, or the only members left
 * are zombies orphaned to PID 1 (this VM's init never reaps them; they run nothing, hold no port).
 */
export function assertGroupGone(pgid: number): void {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw err;
  }
  const alive = groupMembers(pgid).filter((m) => !(m.state === 'Z' && m.ppid === 1));
  if (alive.length > 0) {
    throw new Error(`process group ${pgid} still has members: ${JSON.stringify(alive)}`);
  }
}

/** Same proof for a single pid. */
export function assertPidGone(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw err;
  }
  const stat = procStat(pid);
  if (stat && !(stat.state === 'Z' && stat.ppid === 1)) throw new Error(`pid ${pid} is still alive (${stat.state})`);
}

export function isAlive(pid: number): boolean {
  try {
    assertPidGone(pid);
    return false;
  } catch {
    return true;
  }
}

export { waitFor } from '../helpers/wait.js';

export function tempDir(prefix = 'devenv-sup-'): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** LogOutput's per-process files as `devenv up` has them: `<dir>/<name>.log`, appended to (never rotated here). */
export function logFilesIn(dir: string): (name: string) => LogFile {
  mkdirSync(dir, { recursive: true });
  return (name) => new RotatingLog(join(dir, `${name}.log`), { maxBytes: 1 << 30, keep: 0 });
}

/** A Writable that keeps what was written, for LogOutput. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** A TCP port that was free a moment ago. */
export { freePort } from '../helpers/ports.js';
