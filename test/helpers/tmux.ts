// A private tmux server for one test's terminal: its own socket (so nothing of the user's or another
// test's tmux is touched, and its processes can be found by the name), no config file, and one session
// "t" that runs one command with exactly the environment given.
import { execFileSync } from 'node:child_process';

export class PrivateTmux {
  /** Part of every command line of the server: how a test finds what is left of it. */
  readonly socket: string;

  constructor(label: string) {
    this.socket = `devenv-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Session "t", `width` columns by 50 rows, in `dir`, running `argv` with only `env` in its environment. */
  start(dir: string, env: Record<string, string>, argv: string[], width: number): void {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const size = ['-x', String(width), '-y', '50'];
    this.tmux('new-session', '-d', '-s', 't', ...size, '-c', dir, '/usr/bin/env', '-i', ...envArgs, ...argv);
  }

  /** The pane's whole text (its history too), wrapped lines joined. */
  capture(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 't');
  }

  sendKeys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 't', ...keys);
  }

  /** End the server and everything in it (nothing to do once it is gone). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
