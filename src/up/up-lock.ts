// One `devenv up` per project.
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { ensureOwnDir } from '../project/pgres-files.js';
import { tryLock } from '../util/pid-lock.js';
import { readLiveState } from './state.js';

/** Say so at once when another `devenv up` runs (before anything else happens). */
export function refuseIfRunning(paths: ProjectPaths): void {
  const running = readLiveState(paths);
  if (running) {
    const where = running.detached ? ', in the background' : '';
    throw new UserError(
      `devenv up is already running for this project (pid ${running.pid}${where}); stop it with \`devenv down\``,
    );
  }
}

/**
 * An exclusive lock file holding our pid, held for the whole run. A lock whose pid is dead (a killed
 * `up`) is taken over. Returns the release.
 */
export function acquireUpLock(paths: ProjectPaths): () => void {
  const file = paths.upLock;
  ensureOwnDir(file);
  const lock = tryLock(file);
  if ('release' in lock) return lock.release;
  if (lock.holder > 0) {
    const where = readLiveState(paths)?.detached ? ', in the background' : '';
    throw new UserError(
      `devenv up is already running for this project (pid ${lock.holder}${where}); ` +
        'stop it with `devenv down` or Ctrl-C in its terminal',
    );
  }
  throw new UserError(`could not take the lock ${file}; remove it if no devenv up is running`);
}
