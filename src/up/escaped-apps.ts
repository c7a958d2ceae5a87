// Processes of the apps that left their process group (a child calling setsid, a daemonizing server):
// stopping the apps' groups does not reach them, so `up` marks every app's environment with its run
// (RUN_MARKER_ENV) and, once the apps are stopped, stops whatever still carries the mark.
import { processesWithEnv, stopProcesses } from '../util/marked-processes.js';
import { nodeCrypto } from '../util/node-crypto.js';

/** In every app's environment (so in their children's): which `up` run started it. */
export const RUN_MARKER_ENV = 'PGRES_UP_RUN';

let marker: string | undefined;

/** This `up` run's mark (made when first asked for: the apps start after postgres). */
export function runMarker(): string {
  marker ??= `${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}`;
  return marker;
}

/**
 * Stop what still carries `marker` once the apps are stopped (SIGTERM, SIGKILL after 5 s; `hard`: at
 * once), saying which. Processes that clear their environment are not found.
 */
export async function stopEscapedApps(
  marker: string,
  say: (line: string) => void,
  opts: { hard?: boolean } = {},
): Promise<void> {
  const left = processesWithEnv(RUN_MARKER_ENV, marker);
  if (left.length === 0) return;
  const pids = left.map((p) => p.pid).join(', ');
  say(`stopping what the apps started outside their process groups (setsid, daemons): pid ${pids}`);
  await stopProcesses(left, opts.hard ? 0 : 5000);
}
