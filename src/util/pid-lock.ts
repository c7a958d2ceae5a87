import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { processGone } from './liveness.js';

export type LockResult = { release: () => void } | { holder: number };

/**
 * An exclusive lock file holding our pid. A lock whose holder is gone (killed) is taken over;
 * otherwise the live holder's pid is returned.
 */
export function tryLock(file: string): LockResult {
  let holder = 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release: () => {
          // Only our own lock: a holder that took over a lock we thought stale keeps it.
          if (readPid(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    holder = readPid(file);
    if (holder > 0 && holder !== process.pid && !processGone(holder)) return { holder };
    rmSync(file, { force: true });
  }
  return { holder };
}

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return 0;
  }
}
