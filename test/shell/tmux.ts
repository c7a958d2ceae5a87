import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProcesses } from '../helpers/proc.js';
import { PrivateTmux } from '../helpers/tmux.js';
import { which } from '../helpers/tools.js';
import { waitFor } from '../helpers/wait.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = path.join(REPO, 'bin', 'devenv');
export type ShellName = 'bash' | 'zsh' | 'fish';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment every test shell starts from: nothing of the user's, all dirs private. */
export interface Sandbox {
  dir: string;
  home: string;
  bin: string;
  out: string;
  /** Each run of node by the hook appends a line here. */
  counter: string;
  env: Record<string, string>;
}

export function makeSandbox(label: string): Sandbox {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), `devenv-shell-${label}-`)));
  const home = path.join(dir, 'home');
  const bin = path.join(dir, 'bin');
  const out = path.join(dir, 'out');
  for (const d of [home, bin, out]) mkdirSync(d, { recursive: true });
  const counter = path.join(dir, 'node-runs');
  writeFileSync(counter, '');
  // The hook pins node's absolute path; the tests repoint it at this wrapper to count the runs.
  writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho run >> '${counter}'\nexec '${process.execPath}' "$@"\n`);
  writeFileSync(path.join(bin, 'devenv'), `#!/bin/sh\nexec '${CLI}' "$@"\n`);
  chmodSync(path.join(bin, 'node'), 0o755);
  chmodSync(path.join(bin, 'devenv'), 0o755);
  const env = {
    HOME: home,
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    // Only our two wrappers: a hook that ran any other command would say "command not found".
    PATH: bin,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    PGRES_TEST_SANDBOX: dir,
  };
  return { dir, home, bin, out, counter, env };
}

export function nodeRuns(sb: Sandbox): number {
  return readFileSync(sb.counter, 'utf8').split('\n').filter(Boolean).length;
}

/** Parses `env -0` output exactly (values may hold newlines). */
export function parseEnv0(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    if (!entry) continue;
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

const PROMPT = /\[(\d+)\] PROMPT> /g;

/** One interactive shell in a private tmux server. */
export class TmuxShell {
  private readonly server: PrivateTmux;
  private n = 0;

  constructor(
    readonly shell: ShellName,
    readonly sb: Sandbox,
  ) {
    this.server = new PrivateTmux(`test-${shell}`);
  }

  get socket(): string {
    return this.server.socket;
  }

  async start(): Promise<string> {
    const exe = which(this.shell)!;
    const argv =
      this.shell === 'bash'
        ? [exe, '--noprofile', '--rcfile', path.join(this.sb.home, '.bashrc'), '-i']
        : this.shell === 'zsh'
          ? [exe, '-d', '-i'] // -d: no /etc/zsh rc files; ZDOTDIR=$HOME finds our .zshrc
          : [exe, '-i'];
    this.server.start(this.sb.dir, { ...this.sb.env, ZDOTDIR: this.sb.home }, argv, 400);
    this.server.tmux('set-option', '-g', 'history-limit', '100000');
    await this.waitPane((text) => PROMPT.test(text), 'first prompt');
    return this.capture();
  }

  capture(): string {
    return this.server.capture();
  }

  /** Waits until the pane text satisfies `ok`, and returns that text. */
  private async waitPane(ok: (text: string) => boolean, what: string, timeoutMs = 15000): Promise<string> {
    let text = '';
    const seen = () => {
      text = this.capture();
      PROMPT.lastIndex = 0;
      return ok(text);
    };
    await waitFor(seen, `${this.shell}: ${what}`, { timeoutMs, stepMs: 15, detail: () => `pane:\n${text}` });
    return text;
  }

  /**
   * Types a command line, waits for the prompt that follows it, and returns what appeared in between
   * (output and hook messages) plus the exit status the prompt shows.
   */
  async run(line: string): Promise<{ output: string; status: number }> {
    const id = ++this.n;
    const typed = `__M_${id}_"DONE"`;
    const printed = `__M_${id}_DONE`;
    this.server.sendKeys('-l', `${line}; echo ${typed}`);
    this.server.sendKeys('Enter');
    let output = '';
    let status = -1;
    await this.waitPane((text) => {
      const at = text.lastIndexOf(typed);
      if (at < 0) return false;
      const after = text.slice(at + typed.length);
      const done = after.indexOf(`${printed}\n`);
      if (done < 0) return false;
      const rest = after.slice(done + printed.length + 1);
      PROMPT.lastIndex = 0;
      const m = PROMPT.exec(rest);
      if (!m) return false;
      output = `${after.slice(0, done)}\n${rest.slice(0, m.index)}`.trim();
      status = Number(m[1]);
      return true;
    }, `command ${id}: ${line}`);
    return { output, status };
  }

  /** Runs a line whose own exit status the next prompt should show (the marker echo would hide it). */
  async runStatus(line: string): Promise<{ output: string; status: number }> {
    const id = ++this.n;
    const mark = `__S_${id}_`;
    this.server.sendKeys('-l', `${line}`);
    this.server.sendKeys('Enter');
    this.server.sendKeys('-l', `echo ${mark}"END"`);
    this.server.sendKeys('Enter');
    let status = -1;
    let output = '';
    await this.waitPane((text) => {
      const end = text.lastIndexOf(`\n${mark}END\n`);
      if (end < 0) return false;
      const before = text.slice(0, text.lastIndexOf(`${mark}"END"`));
      const prompts = [...before.matchAll(PROMPT)];
      const last = prompts[prompts.length - 1];
      if (!last) return false;
      status = Number(last[1]);
      const start = before.lastIndexOf(line);
      output = before.slice(start + line.length, last.index).trim();
      return true;
    }, `status of: ${line}`);
    return { output, status };
  }

  /** The exported environment a child of the shell sees, read exactly. */
  async env(): Promise<Record<string, string>> {
    const file = path.join(this.sb.out, `env.${++this.n}`);
    await this.run(`/usr/bin/env -0 > '${file}'`);
    return parseEnv0(readFileSync(file, 'utf8'));
  }

  kill(): void {
    this.server.kill();
  }
}

/** Processes of a sandbox still alive: its shells carry PGRES_TEST_SANDBOX, tmux servers their socket name. */
export function leftovers(sb: Sandbox, sockets: string[]): number[] {
  return findProcesses((p) => {
    const cmd = p.cmdline();
    const environ = p.environ();
    return environ.includes(`PGRES_TEST_SANDBOX=${sb.dir}\0`) || sockets.some((s) => cmd.includes(s));
  });
}

export async function waitGone(sb: Sandbox, sockets: string[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = leftovers(sb, sockets);
    if (!left.length || Date.now() > deadline) return left;
    await sleep(25);
  }
}
