// Whether an exited process should be started again.

import type { RestartPolicy } from '../app-definition.js';

export const RESTART_POLICIES: readonly RestartPolicy[] = ['always', 'on-failure', 'never'];

import type { ExitStatus } from '../util/exit-status.js';

/** Validate a configured value; throws an error naming the accepted values. */
export function parseRestartPolicy(value: unknown, where = 'restart'): RestartPolicy {
  if (value === undefined) return 'on-failure';
  if (typeof value === 'string' && (RESTART_POLICIES as readonly string[]).includes(value)) {
    return value as RestartPolicy;
  }
  throw new Error(`${where}: expected one of ${RESTART_POLICIES.join(', ')}, got ${JSON.stringify(value)}`);
}

/** A death by signal counts as a failure: nobody asked for it (we are not stopping). */
export function isFailure(exit: ExitStatus): boolean {
  return exit.signal !== null || exit.code !== 0;
}

export function shouldRestart(policy: RestartPolicy, exit: ExitStatus, stopping: boolean): boolean {
  if (stopping) return false;
  switch (policy) {
    case 'always':
      return true;
    case 'on-failure':
      return isFailure(exit);
    case 'never':
      return false;
  }
}
