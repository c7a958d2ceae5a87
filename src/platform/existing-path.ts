import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * `target` with its links resolved, or, when it does not exist (a directory about to be made, one just
 * removed), its nearest existing parent: what holds its filesystem.
 */
export function nearestExisting(target: string): string {
  let dir = path.resolve(target);
  while (!existsSync(dir)) dir = path.dirname(dir); // `/` exists: the walk ends there at the latest
  return realpathSync(dir);
}
