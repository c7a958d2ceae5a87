// App process groups left by a `devenv up` that was killed.
//
// Apps run in their own process groups (so a stop reaches grandchildren), which also means they
// outlive an `up` killed with SIGKILL and keep holding their ports. We record each group's
// leader with its start time, and the next `up` stops those that are provably the same processes (a
// recycled pid has another start time).
import { readFileSync } from 'node:fs';
import type { ProjectPaths } from '../project/paths.js';
import { writeOwnFile } from '../project/pgres-files.js';
import { groupAlive, signalGroup, waitGroupGone } from '../supervisor/process-group.js';
import { sameProcess, processStartTime as startTime } from '../util/liveness.js';
import { runMarker, stopEscapedApps } from './escaped-apps.js';

interface AppGroup {
  name: string;
  pgid: number;
  /** Its start time, as processStartTime records it. */
  start: string;
}

/** What app-groups.json holds: the groups, and the run's mark (escaped-apps.ts) while any run. */
interface Recorded {
  marker?: string;
  groups: AppGroup[];
}

let lastGroups = '';
/** Record the running app groups (republished as they change). */
export function writeAppGroups(paths: ProjectPaths, groups: { name: string; pgid: number }[]): void {
  const list: AppGroup[] = [];
  for (const g of groups) {
    const start = startTime(g.pgid);
    if (start) list.push({ ...g, start });
  }
  const recorded: Recorded = list.length ? { marker: runMarker(), groups: list } : { groups: [] };
  const text = `${JSON.stringify(recorded)}\n`;
  if (text === lastGroups) return;
  lastGroups = text;
  try {
    writeOwnFile(paths.appGroups, text);
  } catch {
    // best effort: only used to clean up after a killed `up`
  }
}

/**
 * Stop app groups a killed `devenv up` of this project left running, each verified by its recorded start
 * time; `say` reports each. SIGTERM, then SIGKILL after a grace period; `hard` (an `up` that did not stop
 * in time was just killed): SIGKILL at once.
 */
export async function reapLeftoverApps(
  paths: ProjectPaths,
  say: (line: string) => void,
  opts: { hard?: boolean } = {},
): Promise<void> {
  let recorded: Recorded;
  try {
    const value = JSON.parse(readFileSync(paths.appGroups, 'utf8')) as Recorded | AppGroup[];
    // An older devenv wrote the list alone.
    recorded = Array.isArray(value) ? { groups: value } : { marker: value.marker, groups: value.groups ?? [] };
  } catch {
    return;
  }
  const { groups, marker } = recorded;
  const left = groups.filter(
    (g) => Number.isInteger(g.pgid) && g.pgid > 1 && sameProcess(g.pgid, g.start) === true && groupAlive(g.pgid),
  );
  for (const g of left) {
    say(`stopping ${g.name} (pid ${g.pgid}), left running by a devenv up that was killed`);
    signalGroup(g.pgid, opts.hard ? 'SIGKILL' : 'SIGTERM');
  }
  await Promise.all(
    left.map(async (g) => {
      const kill = setTimeout(() => signalGroup(g.pgid, 'SIGKILL'), opts.hard ? 0 : 5000);
      try {
        await waitGroupGone(g.pgid);
      } finally {
        clearTimeout(kill);
      }
    }),
  );
  // What those apps started outside their groups (setsid): found by the killed run's mark.
  if (typeof marker === 'string' && marker !== runMarker()) await stopEscapedApps(marker, say, opts);
  writeAppGroups(paths, []);
}
