/** The printed hooks parse in their shells; bad input gets one clear line; bash installs idempotently. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { need } from '../helpers/tools.js';
import { CLI, REPO } from './tmux.js';

const dir = mkdtempSync(path.join(tmpdir(), 'devenv-hook-cli-'));
const env = {
  ...process.env,
  HOME: dir,
  XDG_CACHE_HOME: path.join(dir, 'cache'),
  XDG_DATA_HOME: path.join(dir, 'data'),
};
const devenv = (...args: string[]) => spawnSync(CLI, [...args], { encoding: 'utf8', env, cwd: dir });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('devenv hook', () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    it(`prints a ${shell} hook that \`${shell} -n\` accepts, with node and the CLI pinned`, () => {
      need(shell);
      const r = devenv('hook', shell);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('@PGRES_');
      expect(r.stdout).toContain(process.execPath);
      // node runs the compiled entry directly (the sh launcher would cost a fork per prompt change).
      expect(r.stdout).toContain(path.join(REPO, 'dist', 'bundle', 'main.cjs'));
      expect(r.stdout).toContain('NODE_OPTIONS');
      const file = path.join(dir, `hook.${shell}`);
      writeFileSync(file, r.stdout);
      const check = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }

  it('rejects an unknown shell with one line and a non-zero exit', () => {
    const r = devenv('hook', 'tcsh');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe('devenv: unknown shell "tcsh": expected bash, zsh or fish\n');
    expect(r.stdout).toBe('');
  });

  it('allow and deny outside a project say so in one line', () => {
    for (const cmd of ['allow', 'deny']) {
      const r = devenv(cmd);
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^devenv: not inside a devenv project/);
    }
  });

  it('bash: string PROMPT_COMMAND gets the hook once, first, even when sourced twice under set -u', () => {
    need('bash');
    const hook = devenv('hook', 'bash').stdout;
    const file = path.join(dir, 'hook-twice.bash');
    writeFileSync(file, hook);
    const script = `set -u; PROMPT_COMMAND='history -a;'; . '${file}'; . '${file}'; printf '%s' "$PROMPT_COMMAND"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('__pgres_hook\nhistory -a;');
    const unset = spawnSync(
      'bash',
      ['-c', `set -u; unset PROMPT_COMMAND; . '${file}'; printf '%s' "$PROMPT_COMMAND"`],
      { encoding: 'utf8' },
    );
    expect(unset.stdout).toBe('__pgres_hook');
  });
});
