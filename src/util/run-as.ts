import { spawnSync } from 'node:child_process';

/** An account to act as (we are root): file work inside a tree it owns is done with its rights, not ours. */
export interface Identity {
  uid: number;
  gid: number;
}

/**
 * Run a short /bin/sh script as `who` and wait for it (`$1`… are `args`, stdin is `input`). Throws an
 * error carrying the script's stderr when it fails. For a few file operations (write, append, remove)
 * at a time; the child costs a couple of milliseconds.
 */
export function shAs(who: Identity, script: string, args: string[], input?: string): void {
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', ...args], {
    uid: who.uid,
    gid: who.gid,
    cwd: '/',
    input: input ?? '',
    env: { PATH: process.env.PATH || '/usr/bin:/bin', LC_ALL: 'C' },
    stdio: ['pipe', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const why = (r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status ?? r.signal}`;
    throw new Error(`${why} (as uid ${who.uid})`);
  }
}
