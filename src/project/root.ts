import { lstatSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

export const CONFIG_FILE = 'devenv.json';
export const DATA_DIR = '.pgres';

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Nearest directory at or above `start` holding devenv.json or .pgres, or null. */
export function findProjectRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    if (exists(path.join(dir, CONFIG_FILE)) || exists(path.join(dir, DATA_DIR))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The project root for commands that need an existing project. */
export function requireProjectRoot(start: string): string {
  const root = findProjectRoot(start);
  if (!root) {
    throw new UserError(
      `not inside a devenv project (no ${CONFIG_FILE} or ${DATA_DIR}/ in ${path.resolve(start)} or above); ` +
        'run `devenv init` to make one here',
    );
  }
  return root;
}
