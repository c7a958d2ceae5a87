import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { errnoCode, UserError } from '../errors.js';
import { processGone, processStartTime, sameProcess } from './liveness.js';

export type LockResult = { release: () => void } | { holder: number };

/**
 * Who holds a lock: pid plus the start time of that pid, so a recycled pid is not taken for the holder
 * that died.
 */
function identity(pid: number): string {
  return `${pid} ${processStartTime(pid) ?? '-'}\n`;
}

function readHolder(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function holderPid(text: string): number {
  const pid = Number(text.split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/**
 * A holder is alive while its pid runs and still has the start time it recorded (or one that cannot be
 * checked: none, or an older devenv's that this platform cannot read).
 */
function holderAlive(text: string): boolean {
  const pid = holderPid(text);
  if (pid === 0 || processGone(pid)) return false;
  const recorded = text.trim().split(' ')[1];
  return recorded === undefined || recorded === '-' || sameProcess(pid, recorded) !== false;
}

/** A synchronous sleep: tryLock stays synchronous for its callers. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const unique = () => `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;

/** Write `text` to a fresh file beside `file`: the lock then appears whole or not at all. */
function stage(file: string, text: string): string {
  const tmp = `${file}.${unique()}.tmp`;
  writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
  return tmp;
}

/**
 * Replace a dead holder's lock with ours. Several processes may find the same dead holder at
 * once: an exclusive ticket lets one of them re-check and swap (rename replaces atomically, so
 * the lock file never disappears meanwhile); the others see a live holder when they look again.
 */
function takeOver(file: string, dead: string, mine: string): boolean {
  const ticket = `${file}.takeover`;
  let ticketTmp: string | null = null;
  try {
    ticketTmp = stage(ticket, identity(process.pid));
    linkSync(ticketTmp, ticket);
  } catch (err) {
    if (ticketTmp) rmSync(ticketTmp, { force: true });
    if (errnoCode(err) !== 'EEXIST') throw err;
    // A taker that died holding the ticket would block everyone: its ticket is stale like a lock.
    const other = readHolder(ticket);
    if (other !== null && !holderAlive(other)) rmSync(ticket, { force: true });
    return false;
  }
  rmSync(ticketTmp, { force: true });
  try {
    if (readHolder(file) !== dead) return false; // someone else got there first, or it was released
    const tmp = stage(file, mine);
    renameSync(tmp, file);
    return true;
  } finally {
    rmSync(ticket, { force: true });
  }
}

/**
 * An exclusive lock file naming its holder. A lock whose holder is gone (killed) is taken over,
 * atomically: of several takers exactly one wins. Otherwise the live holder's pid is returned.
 */
export function tryLock(file: string): LockResult {
  const mine = identity(process.pid);
  for (let attempt = 0; attempt < 20; attempt++) {
    const tmp = stage(file, mine);
    try {
      linkSync(tmp, file);
      return { release: () => release(file, mine) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
    const held = readHolder(file);
    if (held === null) continue; // released meanwhile: try again
    if (holderAlive(held)) return { holder: holderPid(held) };
    if (takeOver(file, held, mine)) return { release: () => release(file, mine) };
    pause(1); // another process is taking the dead holder's place: look again in a moment
  }
  const held = readHolder(file);
  return { holder: held ? holderPid(held) : 0 };
}

function release(file: string, mine: string): void {
  // Only our own lock: nobody takes over a live holder's lock, so it cannot change under us.
  if (readHolder(file) === mine) rmSync(file, { force: true });
}

/**
 * Run `fn` holding the lock, waiting for a live holder to let go (a short critical section of
 * another devenv process). Gives up after `timeoutMs` with a line naming the holder.
 */
export async function withLock<T>(file: string, fn: () => Promise<T> | T, timeoutMs = 30000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lock = tryLock(file);
    if ('release' in lock) {
      try {
        return await fn();
      } finally {
        lock.release();
      }
    }
    if (Date.now() > until) {
      throw new UserError(
        `timed out waiting for ${file} (held by pid ${lock.holder}); if no devenv command is running, remove it`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
