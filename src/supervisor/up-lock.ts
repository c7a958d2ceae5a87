import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Project } from '../project/project.js';
import { tryLock } from '../util/pid-lock.js';
import { readLiveState } from './state.js';

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
  const lock = tryLock(file);
  if ('release' in lock) return lock.release;
  if (lock.holder > 0) {
    const state = readLiveState(project);
    throw new UserError(
      `devenv up is already running for this project (pid ${lock.holder}${state?.detached ? ', in the background' : ''}); stop it with \`devenv down\` or Ctrl-C in its terminal`,
    );
  }
  throw new UserError(`could not take the lock ${file}; remove it if no devenv up is running`);
}
