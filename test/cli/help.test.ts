/**
 * Every declared command answers --help with exit 0, inside a project and outside any, without doing anything;
 * its help says what its declaration says; an unknown command is one line with no destructive suggestion.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/commands/command-spec.js';
import { COMMANDS } from '../../src/commands/registry.js';
import { baseEnv, CLI, cleanupProject, runProcess, tempDir } from '../helpers/project.js';
import { LEAVES, LEVELS } from './registry.js';

const dirs = { inside: '', outside: '' };
beforeAll(() => {
  dirs.inside = tempDir('help-inside');
  writeFileSync(path.join(dirs.inside, 'devenv.json'), '{}');
  dirs.outside = tempDir('help-outside');
});
afterAll(async () => {
  expect(await cleanupProject(dirs.inside)).toEqual([]);
  rmSync(dirs.outside, { recursive: true, force: true });
});

const run = (where: keyof typeof dirs, args: string[]) => runProcess(CLI, args, { cwd: dirs[where], env: baseEnv() });

/** commander wraps long lines: compare text with its whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

function expectDeclaredIn(help: string, spec: CommandSpec): void {
  const text = flat(help);
  expect(text).toContain(flat(spec.summary));
  for (const a of spec.arguments ?? []) {
    const name = a.variadic ? `${a.name}...` : a.name;
    expect(text).toContain(a.optional ? `[${name}]` : `<${name}>`);
    if (a.summary) expect(text).toContain(flat(a.summary));
  }
  for (const o of spec.options ?? []) {
    expect(text).toContain(`${o.short ? `-${o.short}, ` : ''}--${o.long}${o.value ? ` <${o.value}>` : ''}`);
    expect(text).toContain(flat(o.summary));
    if (o.default !== undefined) expect(text).toContain(`(default: "${o.default}")`);
  }
  if (spec.help) expect(text).toContain(flat(spec.help));
}

describe.each(['inside', 'outside'] as const)('%s a project', (where) => {
  it.for(LEAVES.map((l) => l.path.join(' ')))('devenv %s --help', async (name) => {
    const { path: words, spec } = LEAVES.find((l) => l.path.join(' ') === name)!;
    const r = await run(where, [...words, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: devenv ${name} `));
    expectDeclaredIn(r.stdout, spec);
    // Help does nothing: no cluster, no state.
    expect(readdirSync(dirs[where])).toEqual(where === 'inside' ? ['devenv.json'] : []);
  });

  it.for(LEVELS.map((l) => ['devenv', ...l.path].join(' ')))(
    '%s --help lists its commands, none hidden',
    async (name) => {
      const { path: words, commands } = LEVELS.find((l) => ['devenv', ...l.path].join(' ') === name)!;
      const r = await run(where, [...words, '--help']);
      expect(r.code).toBe(0);
      for (const d of commands) {
        const hidden = 'hidden' in d && d.hidden;
        if (hidden) expect(r.stdout).not.toMatch(new RegExp(`^ {2}${d.name} `, 'm'));
        else {
          expect(r.stdout).toMatch(new RegExp(`^ {2}${d.name} `, 'm'));
          expect(flat(r.stdout)).toContain(flat(d.summary));
        }
      }
    },
  );
});

describe('commands that pass arguments on', () => {
  it("devenv psql --help is devenv's help and says how to reach psql's; `help psql` says the same", async () => {
    const r = await run('outside', ['psql', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: devenv psql /);
    expect(r.stdout).toContain('devenv psql -- --help');
    expect((await run('outside', ['help', 'psql'])).stdout).toBe(r.stdout);
    expect((await run('outside', ['psql', '--as-app', '--help'])).stdout).toBe(r.stdout);
  });

  it("after devenv psql, -h and the rest are psql's (outside a project: refused for that, no help)", async () => {
    const r = await run('outside', ['psql', '-h', 'x', '--help']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^devenv: not inside a devenv project/);
  });

  it.for(['up', 'exec', 'up -d', 'exec --db x'])('devenv %s --help: its help', async (line) => {
    const r = await run('outside', [...line.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: devenv ${line.split(' ')[0]} `));
  });
});

describe('an unknown command', () => {
  it.for([
    ['rstart web', 'unknown command "rstart"; did you mean `devenv restart`? (`devenv --help` lists the commands)'],
    ['stpo web', 'unknown command "stpo"; did you mean `devenv stop`? (`devenv --help` lists the commands)'],
    ['rest', 'unknown command "rest"; `devenv --help` lists the commands'],
    ['snapshot restor x', 'unknown command "snapshot restor"; `devenv snapshot --help` lists its commands'],
    ['stauts', 'unknown command "stauts"; did you mean `devenv status`? (`devenv --help` lists the commands)'],
  ])('devenv %s: one line, exit 1', async ([words, line]) => {
    const r = await run('inside', words.split(' '));
    expect(r.stderr).toBe(`devenv: ${line}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it('the registry has the commands the docs name, and no two share a name', () => {
    const names = COMMANDS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['init', 'up', 'down', 'restart', 'stop', 'start', 'reset', 'snapshot', 'psql', 'exec']),
    );
  });
});
