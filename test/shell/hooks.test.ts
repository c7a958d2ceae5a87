/**
 * The shell hooks driven in real interactive bash, zsh and fish under tmux: each shell gets a private
 * tmux server, HOME, XDG dirs and trust store, and a PATH holding only two wrappers (node, which counts
 * its runs, and devenv), so a hook that ran anything else would print "command not found".
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitRepo } from '../helpers/git.js';
import { needForEach } from '../helpers/tools.js';
import { HOSTILE, PG_KEYS, projects, rcFiles } from './hook-fixtures.js';
import { makeSandbox, nodeRuns, type Sandbox, type ShellName, TmuxShell, waitGone } from './tmux.js';

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  describe(`${shell} hook in a real interactive shell`, () => shellTests(shell));
}

function shellTests(shell: ShellName): void {
  const here = needForEach(shell, 'tmux');
  let sb: Sandbox;
  let sh: TmuxShell;
  let p: (...parts: string[]) => string;
  let startup = '';

  beforeAll(async () => {
    if (!here) return;
    sb = makeSandbox(shell);
    p = projects(sb);
    rcFiles(shell, sb);
    sh = new TmuxShell(shell, sb);
    startup = await sh.start();
  });

  afterAll(async () => {
    sh?.kill();
    if (sb) {
      // Nothing of this test may outlive it: no tmux server, no shell.
      expect(await waitGone(sb, [sh.socket])).toEqual([]);
      rmSync(sb.dir, { recursive: true, force: true });
    }
  });

  it('starts silently and installs itself once', async () => {
    expect(startup).not.toMatch(/devenv|error|not found/i);
    if (shell === 'bash') {
      const { output } = await sh.run('printf "<%s>" "${PROMPT_COMMAND[@]}"');
      expect(output).toContain('<__pgres_hook><user_pc>');
    } else if (shell === 'zsh') {
      const { output } = await sh.run('print -r -- "<${(j:,:)precmd_functions}|${(j:,:)chpwd_functions}>"');
      expect(output).toContain('<__pgres_hook|__pgres_hook>');
    } else {
      const { output } = await sh.run('functions -q __pgres_hook __pgres_hook_pwd; and echo hooked');
      expect(output).toContain('hooked');
    }
  });

  it('enters a project (no .pgres yet), keeps PG values of subdirs, restores on leave', async () => {
    const before = nodeRuns(sb);
    const enter = await sh.run(`cd '${p('a')}'`);
    expect(enter.output).toMatch(
      /devenv: loading .*\/a \(\+PGDATA \+PGHOST ~PGPORT \+PGUSER \+PGDATABASE \+DATABASE_URL\)/,
    );
    expect(enter.output).toContain('.env is not allowed (2 keys not loaded)');
    expect(nodeRuns(sb)).toBe(before + 1);
    let env = await sh.env();
    expect(env.PGDATA).toBe(p('a', '.pgres'));
    expect(env.PGHOST).toBe(p('a', '.pgres'));
    expect(env.PGPORT).toBe('5432');
    expect(env.DATABASE_URL).toBe(
      `postgresql://${env.PGUSER}@/${env.PGDATABASE}?host=${encodeURIComponent(p('a', '.pgres'))}`,
    );
    expect(env.FOO).toBeUndefined(); // untrusted .env is not applied
    expect(existsSync(p('a', '.pgres'))).toBe(false);

    const sub = await sh.run('cd sub/deeper');
    expect(sub.output).toBe('');
    env = await sh.env();
    expect(env.PGDATA).toBe(p('a', '.pgres'));

    const leave = await sh.run(`cd '${p('plain')}'`);
    expect(leave.output).toMatch(/devenv: unloading .*\/a$/);
    env = await sh.env();
    for (const k of PG_KEYS.filter((k) => k !== 'PGPORT')) expect(env[k]).toBeUndefined();
    expect(env.PGPORT).toBe('1111'); // the value it had before
    expect(Object.keys(env).filter((k) => k.startsWith('__PGRES'))).toEqual([]);
    expect(nodeRuns(sb)).toBe(before + 1); // subdir and leaving ran nothing
  });

  it('re-entering an unchanged project and idle prompts spawn nothing', async () => {
    const before = nodeRuns(sb);
    const enter = await sh.run(`cd '${p('a')}'`);
    expect(enter.output).toMatch(/devenv: loading/);
    for (let i = 0; i < 3; i++) expect((await sh.run('true')).output).toBe('');
    await sh.run(`cd '${p('plain')}'`);
    await sh.run(`cd '${p('a', 'sub')}'`);
    await sh.run('cd ..');
    expect(nodeRuns(sb)).toBe(before);
    const env = await sh.env();
    expect(env.PGDATA).toBe(p('a', '.pgres'));
  });

  it('keeps $? for the prompt on idle and on changing prompts', async () => {
    expect((await sh.runStatus('false')).status).toBe(1);
    expect((await sh.runStatus(`cd '${p('b')}'; false`)).status).toBe(1);
    expect((await sh.runStatus('true')).status).toBe(0);
  });

  it('swaps between projects, innermost nested project wins, hand edits survive leaving', async () => {
    await sh.run(`cd '${p('a')}'`);
    const swap = await sh.run(`cd '${p('b')}'`);
    expect(swap.output).toMatch(/devenv: loading .*\/b /);
    let env = await sh.env();
    expect(env.PGDATA).toBe(p('b', '.pgres'));
    expect(env.PGDATABASE).toBe('bee');

    await sh.run('cd inner');
    env = await sh.env();
    expect(env.PGDATA).toBe(p('b', 'inner', '.pgres'));
    expect(env.PGDATABASE).not.toBe('bee');

    await sh.run('cd ..');
    env = await sh.env();
    expect(env.PGDATABASE).toBe('bee');

    // A key changed by hand inside the project is the user's: leaving must not touch it.
    await sh.run(shell === 'fish' ? 'set -gx PGUSER mine' : 'export PGUSER=mine');
    await sh.run(`cd '${p('plain')}'`);
    env = await sh.env();
    expect(env.PGUSER).toBe('mine');
    expect(env.PGDATA).toBeUndefined();
    expect(env.PGPORT).toBe('1111');
    await sh.run(shell === 'fish' ? 'set -e PGUSER' : 'unset PGUSER');
  });

  it('applies .env only after allow; an edit blocks it again naming the keys; deny revokes', async () => {
    await sh.run(`cd '${p('a')}'`);
    const allowed = await sh.run('devenv allow');
    expect(allowed.output).toMatch(/allowed .*\/a\/\.env \(2 keys\)/);
    expect(allowed.output).toMatch(/devenv: reloading .*\/a \(\+FOO \+SHARED\)/);
    let env = await sh.env();
    expect(env.FOO).toBe('from-a');

    const edited = await sh.run(`printf 'FOO=changed\\nSHARED=a\\nNEW=1\\n' > .env`);
    expect(edited.output).toContain('.env changed since `devenv allow` (FOO, NEW): not loaded');
    env = await sh.env();
    expect(env.FOO).toBeUndefined();
    expect(env.PGDATA).toBe(p('a', '.pgres')); // our own values need no trust

    await sh.run('devenv allow');
    env = await sh.env();
    expect(env.FOO).toBe('changed');
    expect(env.NEW).toBe('1');

    const denied = await sh.run('devenv deny');
    expect(denied.output).toMatch(/devenv: denied/);
    const dropped = /reloading .*\((.*)\)/.exec(denied.output)?.[1].split(' ').sort();
    expect(dropped).toEqual(['-FOO', '-NEW', '-SHARED']);
    env = await sh.env();
    expect(env.FOO).toBeUndefined();
  });

  it('round-trips hostile .env values byte for byte and never exports dangerous keys', async () => {
    const pathBefore = (await sh.env()).PATH;
    await sh.run(`cd '${p('hostile')}'`);
    await sh.run('devenv allow');
    const env = await sh.env();
    const expected = parse(`${HOSTILE}\n`);
    expect(expected.DQ).toContain('\n');
    expect(expected.MULTI).toContain('\n');
    expect(expected.BT).toContain("'\\''");
    for (const [k, v] of Object.entries(expected)) expect({ k, v: env[k] }).toEqual({ k, v });
    expect(readdirSync(p('hostile')).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    expect(readdirSync(sb.dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);

    expect(env.PATH).toBe(pathBefore);
    for (const k of [
      'PROMPT_COMMAND',
      'NODE_OPTIONS',
      'LD_PRELOAD',
      'BASH_ENV',
      'PS1',
      'ZDOTDIR',
      'fish_function_path',
      'NULLCMD',
      'IFS',
    ]) {
      if (k === 'ZDOTDIR')
        expect(env[k]).toBe(sb.home); // the sandbox's own, not the .env's
      else expect(env[k]).toBeUndefined();
    }
    const prompt = await sh.runStatus('true');
    expect(prompt.status).toBe(0); // the prompt is still ours
    await sh.run(`cd '${p('plain')}'`);
    const again = await sh.run(`cd '${p('hostile')}'`);
    expect(again.output).toContain('never exported from .env');
    expect(again.output).toMatch(
      /PATH, PROMPT_COMMAND, NODE_OPTIONS, LD_PRELOAD, BASH_ENV, PS1, ZDOTDIR, fish_function_path, NULLCMD, IFS/,
    );
  });

  it('sees devenv.json edits at the next prompt and shows a config error once', async () => {
    await sh.run(`cd '${p('b')}'`);
    await sh.run(`printf '{"postgres":{"database":"other"}}' > devenv.json`);
    expect((await sh.env()).PGDATABASE).toBe('other');

    const runs = nodeRuns(sb);
    const bad = await sh.run(`cd '${p('bad')}'`);
    expect(bad.output).toMatch(/devenv: .*devenv\.json: postgres\.version/);
    expect(nodeRuns(sb)).toBe(runs + 1);
    for (let i = 0; i < 2; i++) expect((await sh.run('true')).output).toBe('');
    expect(nodeRuns(sb)).toBe(runs + 1);
    const fixed = await sh.run(`printf '{}' > devenv.json`);
    expect(fixed.output).toMatch(/devenv: (re)?loading .*\/bad/);
    expect((await sh.env()).PGDATA).toBe(p('bad', '.pgres'));
  });

  it('with postgres.branches, a git branch switch is seen at the next prompt; idle prompts stay free', async () => {
    const g = p('g');
    mkdirSync(g);
    writeFileSync(path.join(g, 'devenv.json'), '{"postgres":{"database":"gee","branches":"git"}}\n');
    gitRepo(g);
    await sh.run(`cd '${g}'`);
    expect((await sh.env()).PGDATABASE).toBe('gee');
    const runs = nodeRuns(sb);
    // git runs outside the shell (the sandbox's PATH has only node and devenv): the hook sees files only.
    git(g, 'checkout', '-q', '-b', 'topic');
    const switched = await sh.run('true');
    expect(switched.output).toMatch(/devenv: reloading .*\/g \(~PGDATABASE ~DATABASE_URL\)/);
    expect((await sh.env()).PGDATABASE).toBe('gee__topic');
    expect(nodeRuns(sb)).toBe(runs + 1);
    for (let i = 0; i < 2; i++) expect((await sh.run('true')).output).toBe('');
    expect(nodeRuns(sb)).toBe(runs + 1);
    git(g, 'checkout', '-q', 'main');
    expect((await sh.run('true')).output).toMatch(/devenv: reloading .*\/g \(~PGDATABASE ~DATABASE_URL\)/);
    expect((await sh.env()).PGDATABASE).toBe('gee');
    await sh.run(`cd '${p('plain')}'`);
  });

  it('PGRES_HOOK_QUIET silences the load lines', async () => {
    await sh.run(shell === 'fish' ? 'set -gx PGRES_HOOK_QUIET 1' : 'export PGRES_HOOK_QUIET=1');
    const quiet = await sh.run(`cd '${p('a')}'; cd '${p('plain')}'`);
    expect(quiet.output).toBe('');
    await sh.run(shell === 'fish' ? 'set -e PGRES_HOOK_QUIET' : 'unset PGRES_HOOK_QUIET');
  });
}
