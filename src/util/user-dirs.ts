// devenv's per-user directories (never inside a project).
import { homedir } from 'node:os';
import path from 'node:path';

/** XDG base directory, ignoring relative values as the spec asks. */
export function xdgDir(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value && path.isAbsolute(value) ? value : path.join(env.HOME || homedir(), fallback);
}

/** The cache of template clusters, spares and server versions; safe to delete at any time. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGRES_CACHE_DIR) return path.resolve(env.PGRES_CACHE_DIR);
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'devenv');
}

/** Per-user state that must survive cache cleaning (the trust store). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(xdgDir(env, 'XDG_DATA_HOME', '.local/share'), 'devenv');
}

/** Per-user state worth keeping but not precious (the built-in SQL shell's history). */
export function userStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(xdgDir(env, 'XDG_STATE_HOME', '.local/state'), 'devenv');
}
