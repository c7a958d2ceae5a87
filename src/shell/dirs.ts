import { homedir } from 'node:os';
import path from 'node:path';
import { HOOK_FORMAT } from './shell.js';

/** XDG base directory, ignoring relative values as the spec asks. */
function xdg(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value && path.isAbsolute(value) ? value : path.join(env.HOME || homedir(), fallback);
}

/** Per-user state that must survive cache cleaning (the trust store). Never inside a project. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(xdg(env, 'XDG_DATA_HOME', '.local/share'), 'devenv');
}

/** Rendered hook answers; safe to delete at any time. */
export function hookCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(xdg(env, 'XDG_CACHE_HOME', '.cache'), 'devenv', 'hook', `v${HOOK_FORMAT}`);
}

/**
 * Where the hook keeps one project's cached answers. The shell finds it from the root by plain string
 * concatenation (it cannot hash without a process), so the cache mirrors the project path.
 */
export function projectHookDir(cacheDir: string, root: string): string {
  return `${cacheDir}/tree${root}/.pgres-hook`;
}
