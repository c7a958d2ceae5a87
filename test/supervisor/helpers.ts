// Test helpers. Deliberately independent of src/supervisor/process-group.ts: the proof that a
// process group is gone must not trust the code under test.
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';

/** Members of process group `pgid`, read from /proc. */
function members(pgid: number): { pid: number; ppid: number; state: string }[] {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid) out.push({ pid: Number(e), ppid: Number(f[1]), state: f[0]! });
  }
  return out;
}

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
  const alive = members(pgid).filter((m) => !(m.state === 'Z' && m.ppid === 1));
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
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (!(f[0] === 'Z' && f[1] === '1')) throw new Error(`pid ${pid} is still alive (${f[0]})`);
}

export function isAlive(pid: number): boolean {
  try {
    assertPidGone(pid);
    return false;
  } catch {
    return true;
  }
}

/** Poll `cond` until true; fails after `timeoutMs` (a deadline, not a timing assertion). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempDir(prefix = 'devenv-sup-'): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
