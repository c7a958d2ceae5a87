// devenv's per-user directories (never inside a project); where they are is the OS's fact (platform/os-facts).
import { homedir } from 'node:os';
import path from 'node:path';
import { userDirs } from '../platform/os-facts.js';

/** The cache of template clusters, spares and server versions; safe to delete at any time. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGRES_CACHE_DIR) return path.resolve(env.PGRES_CACHE_DIR);
  // The account's own home, not $HOME: tests and tools that point HOME elsewhere still share the cache.
  return path.join(userDirs(env, process.platform, homedir()).cache, 'devenv');
}

/** Per-user state that must survive cache cleaning (the trust store). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDirs(env).data, 'devenv');
}

/** Per-user state worth keeping but not precious (the built-in SQL shell's history). */
export function userStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDirs(env).state, 'devenv');
}
