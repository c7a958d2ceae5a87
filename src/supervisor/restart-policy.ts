// Whether an exited process should be started again.
import type { RestartPolicy } from '../app-definition.js';
import type { ExitStatus } from '../util/exit-status.js';

/** A death by signal counts as a failure: nobody asked for it (we are not stopping). */
export function isFailure(exit: ExitStatus): boolean {
  return exit.signal !== null || exit.code !== 0;
}

/** After an exit nobody asked for (a stop we asked for never restarts). */
export function shouldRestart(policy: RestartPolicy, exit: ExitStatus): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'on-failure':
      return isFailure(exit);
    case 'never':
      return false;
  }
}
