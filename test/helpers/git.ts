import { execFileSync } from 'node:child_process';
import { need } from './tools.js';

/** Run git in `dir` as a test user (no global config needed), returning its stdout. Without git the test is skipped. */
export function git(dir: string, ...args: string[]): string {
  need('git');
  return execFileSync('git', ['-c', 'user.name=devenv', '-c', 'user.email=devenv@localhost', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  });
}

/** A repository on `main` with one commit of everything in `dir`. */
export function gitRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
}
