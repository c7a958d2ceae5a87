import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError, errnoCode } from '../errors.js';
import type { Project } from '../project/project.js';
import { readLiveState } from './state.js';
import { isZombie } from '../postgres/postmaster-pid.js';
import { pidAlive } from '../util/run.js';

function lockFile(project: Project): string {
  return path.join(project.paths.state, 'up.lock');
}

/**
 * One `devenv up` per project: an exclusive lock file holding our pid. A lock
 * whose pid is dead (a killed supervisor) is taken over.
 */
export function acquireUpLock(project: Project): () => void {
  const file = lockFile(project);
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSafe(file));
    if (holder > 0 && holder !== process.pid && pidAlive(holder) && !isZombie(holder)) {
      const state = readLiveState(project);
      throw new UserError(
        `devenv up is already running for this project (pid ${holder}${state?.detached ? ', in the background' : ''}); stop it with \`devenv down\` or Ctrl-C in its terminal`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new UserError(`could not take the lock ${file}; remove it if no devenv up is running`);
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
