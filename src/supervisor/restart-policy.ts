// Whether an exited process should be started again, and what an app that is not says.
import type { AppDefinition, RestartPolicy } from '../app-definition.js';
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

/** Where an app stays after an exit that is not restarted, and the line that says why. */
export interface NoRestart {
  state: 'failed' | 'crashed' | 'exited';
  line: string;
}

/**
 * After an exit nobody asked for: 'restart' (after its backoff), or where the app stays. A command not
 * found or not executable is not retried: that cannot help until something changes.
 */
export function afterExit(
  app: Pick<AppDefinition, 'name' | 'command' | 'restart'>,
  exit: ExitStatus & { description: string },
): 'restart' | NoRestart {
  if (exit.code === 127 || exit.code === 126) {
    const hint = exit.code === 127 ? 'check the command in your configuration' : 'check its permissions';
    return {
      state: 'failed',
      line: `${app.name}: ${exit.description}: ${app.command} (${hint}); waiting for a file change`,
    };
  }
  const policy = app.restart ?? 'on-failure';
  if (shouldRestart(policy, exit)) return 'restart';
  const state = isFailure(exit) ? 'crashed' : 'exited';
  return { state, line: `${app.name} ${exit.description}; not restarting (restart: ${policy})` };
}
