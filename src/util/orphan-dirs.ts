import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pidAlive } from './liveness.js';
import { killProcessesUsing } from './path-users.js';
import { removeTree } from './remove-tree.js';

/**
 * Remove directories named `<prefix><pid>-…` whose pid is no longer alive: work dirs that a
 * killed process of ours left behind (ours by their name). Returns the names removed.
 */
export async function removeOrphanDirs(dir: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) continue;
    const full = path.join(dir, name);
    try {
      if (!lstatSync(full).isDirectory()) continue;
    } catch {
      continue;
    }
    // Its parent was killed, not its children: an initdb may still be writing there.
    await killProcessesUsing(full);
    removeTree(full);
    removed.push(name);
  }
  return removed;
}
