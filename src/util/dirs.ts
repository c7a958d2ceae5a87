import { homedir } from 'node:os';
import path from 'node:path';

/** devenv's per-user cache directory (template clusters, rendered hooks). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGRES_CACHE_DIR) return path.resolve(env.PGRES_CACHE_DIR);
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'devenv');
}
