// Tools some tests need (shells, tmux). Where one is missing the test is skipped, saying so in its name;
// under CI (CI=1, as .ci/run sets) it runs and fails instead: CI installs them all, so a machine
// without zsh can never pass CI by quietly testing less.
import { spawnSync } from 'node:child_process';

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const IN_CI = Boolean(process.env.CI) && !['0', 'false'].includes(process.env.CI ?? '');

export interface Needs {
  /** Skip the test (a tool is missing and we are not in CI). */
  skip: boolean;
  /** Appended to the test's name: what is missing, and whether it is skipped or fails for it. */
  note: string;
  /** Call first in the test (or its beforeAll): throws, naming what is missing. */
  check(): void;
}

export function needs(...tools: string[]): Needs {
  const missing = tools.filter((t) => !which(t));
  const what = missing.join(', ');
  return {
    skip: missing.length > 0 && !IN_CI,
    note: missing.length === 0 ? '' : IN_CI ? ` (fails: ${what} not installed)` : ` (skipped: ${what} not installed)`,
    check() {
      if (missing.length) throw new Error(`${what} not installed; under CI every shell test must run`);
    },
  };
}
