// Where the shell hook finds its cached answers.
import path from 'node:path';
import { userDirs } from '../platform/os-facts.js';
import { HOOK_FORMAT } from './shell.js';

/** Rendered hook answers; safe to delete at any time. */
export function hookCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDirs(env).cache, 'devenv', 'hook', `v${HOOK_FORMAT}`);
}

/**
 * Where the hook keeps one project's cached answers. The shell finds it from the root by plain string
 * concatenation (it cannot hash without a process), so the cache mirrors the project path.
 */
export function projectHookDir(cacheDir: string, root: string): string {
  return `${cacheDir}/tree${root}/.pgres-hook`;
}
