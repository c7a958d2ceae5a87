/**
 * The fast path (parseArgs) and commander, both set up from the one registry, give an action the same arguments
 * and options for the same command line; the command lines the shell hook and `up`/`exec` use stay fast.
 */
import * as commander from 'commander';
import { describe, expect, it } from 'vitest';
import { locateCommand } from '../../src/cli/locate-command.js';
import { parseArgs } from '../../src/cli/parse-args.js';
import { buildProgram } from '../../src/cli/program.js';
import type { CommandSpec } from '../../src/commands/command-spec.js';
import { COMMANDS } from '../../src/commands/registry.js';
import { LEAVES } from './registry.js';

type Outcome = { command: string; args: unknown[]; options: Record<string, unknown> } | { error: string };

function silence(cmd: commander.Command): void {
  cmd.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const sub of cmd.commands) silence(sub);
}

/** What commander hands the action for this command line, or the code of the error it stops with. */
async function viaCommander(words: string[]): Promise<Outcome> {
  let outcome: Outcome = { error: 'no action ran' };
  const program = buildProgram(commander, COMMANDS, async (spec, args, options) => {
    outcome = { command: spec.name, args, options };
  });
  silence(program);
  try {
    await program.parseAsync(words, { from: 'user' });
  } catch (err) {
    if (err instanceof commander.CommanderError) return { error: err.code };
    throw err;
  }
  return outcome;
}

/** Command lines made from a declaration: each option in each of its forms, before and after the arguments. */
function linesFor(spec: CommandSpec): string[][] {
  const declared = spec.arguments ?? [];
  const required = declared.filter((a) => !a.optional).map((_, i) => `arg${i}`);
  const all = declared.map((_, i) => `arg${i}`);
  const lines: string[][] = [required, all, [...all, 'extra', 'more'], ['--', ...required], [], ['-'], ['--bogus']];
  lines.push(['-h'], ['--help'], [...required, '--help'], ['help']);
  const every: string[] = [];
  for (const o of spec.options ?? []) {
    const long = `--${o.long}`;
    const short = o.short ? `-${o.short}` : null;
    const forms = o.value
      ? [[long, 'v1'], [`${long}=v1`], [`${long}=`], [long], [long, 'v1', long, 'v2'], [long, '-x']]
      : [[long], [`${long}=1`], [long, long]];
    if (short) forms.push(o.value ? [short, 'v1'] : [short], o.value ? [`${short}v1`] : [`${short}x`]);
    for (const form of forms) lines.push([...form, ...required], [...required, ...form]);
    every.push(...forms[0]!);
  }
  lines.push([...every, ...all], [...all, ...every]);
  return lines;
}

/** Lines for the commands that pass arguments on to another program: where ours end and theirs begin. */
const PASS_THROUGH: Record<string, string[][]> = {
  up: [
    ['-d', '--', 'sh', '-c', 'x'],
    ['sh', '-c', 'x'],
    ['-d', 'sh', '-d'],
    ['--', '-d'],
    ['sh', '--', 'x'],
    ['web', 'worker', '-d'],
    ['web', '--', '--', 'x'],
    ['--', 'web'],
  ],
  exec: [
    ['--', 'sh', '-c', 'x'],
    ['--db', 'x', '--', 'a'],
    ['--no-server', 'a', '--no-server'],
    ['a', '--', 'b'],
    ['--', '--help'],
    ['pg_dump', '--help'],
  ],
  psql: [
    ['-c', 'select 1'],
    ['--as-app', '-c', 'x'],
    ['-c', 'x', '--as-app'],
    ['-h', '/tmp', '-p', '5432'],
    ['--', '--help'],
    ['-c', 'x', '--help'],
    ['-XAtc', 'select 1'],
    ['-5'],
    ['x', '--', 'y'],
    ['-c', 'x', '--', 'y'],
    ['--as-app=1'],
    ['--as-app', '--', '--as-app'],
  ],
};

/** What main does before commander: find the command, then parse its words (null: commander's turn). */
function fastPath(words: string[]) {
  const found = locateCommand(COMMANDS, words);
  if (!found || 'unknown' in found) return null;
  return { spec: found.spec, parsed: parseArgs(found.spec, found.rest, found.literal) };
}

describe('the fast path parses as commander does', () => {
  for (const { path, spec } of LEAVES) {
    // Each line also behind a `--`, after which commander takes every word for an argument.
    const lines = [...linesFor(spec), ...(PASS_THROUGH[spec.name] ?? [])].flatMap((line) => [
      [...path, ...line],
      ['--', ...path, ...line],
    ]);
    it(`devenv ${path.join(' ')}: ${lines.length} command lines`, async () => {
      let fast = 0;
      for (const words of lines) {
        const found = fastPath(words);
        expect(found?.spec, words.join(' ')).toBe(spec);
        const got = await viaCommander(words);
        const shown = `devenv ${words.join(' ')}`;
        if (found?.parsed?.kind === 'run') {
          if (words[0] !== '--') fast++;
          expect(got, shown).toEqual({ command: spec.name, args: found.parsed.args, options: found.parsed.options });
        } else if (found?.parsed?.kind === 'help' && spec.passThrough !== 'options') {
          expect(got, shown).toEqual({ error: 'commander.helpDisplayed' });
        }
      }
      // Most lines of every command (not behind --) run without commander, not just a few.
      expect(fast).toBeGreaterThan(lines.length / 2 / 3);
    });
  }

  it("psql: only --help before its own arguments is devenv's; -h is its host", () => {
    const psql = LEAVES.find((l) => l.spec.name === 'psql')!.spec;
    expect(parseArgs(psql, ['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(psql, ['--as-app', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(psql, ['-h', 'x'])).toEqual({ kind: 'run', args: [['-h', 'x']], options: {} });
    expect(parseArgs(psql, ['--', '--help'])).toEqual({ kind: 'run', args: [['--help']], options: {} });
    expect(parseArgs(psql, ['-c', 'x', '--help'])).toEqual({ kind: 'run', args: [['-c', 'x', '--help']], options: {} });
  });

  it.for([
    ['hook-env', 'bash', '/cache', '/root'],
    ['env'],
    ['env', '--shell', 'fish'],
    ['env', '--shell=zsh'],
    ['up'],
    ['up', '-d'],
    ['up', '--', 'node', 'server.js'],
    ['up', '-d', '--', 'node', 'server.js'],
    ['down'],
    ['exec', '--', 'npm', 'test', '--', '-x'],
  ])('runs without commander: devenv %s', (words) => {
    const spec = LEAVES.find((l) => l.path.join(' ') === words[0])!.spec;
    expect(parseArgs(spec, words.slice(1))?.kind).toBe('run');
  });

  it('up keeps its `--`: the words before it name processes, those after it are a command', async () => {
    const up = LEAVES.find((l) => l.spec.name === 'up')!.spec;
    const run = (args: unknown[], options = {}) => ({ kind: 'run', args, options });
    expect(parseArgs(up, ['web', 'worker'])).toEqual(run([['web', 'worker']]));
    expect(parseArgs(up, ['--', 'web'])).toEqual(run([['--', 'web']]));
    expect(parseArgs(up, ['-d', '--', 'node', 'server.js', '-d'])).toEqual(
      run([['--', 'node', 'server.js', '-d']], { detach: true }),
    );
    expect(await viaCommander(['up', '--', 'web'])).toEqual({ command: 'up', args: [['--', 'web']], options: {} });
    // A command without `--` is not taken for one: its options are refused as devenv's.
    expect(parseArgs(up, ['node', 'server.js', '--port', '3'])).toBeNull();
    expect(await viaCommander(['up', 'node', 'server.js', '--port', '3'])).toEqual({
      error: 'commander.unknownOption',
    });
  });

  it('leaves to commander what it cannot parse alone, which commander then parses or refuses', async () => {
    const logs = LEAVES.find((l) => l.spec.name === 'logs')!.spec;
    expect(parseArgs(logs, ['-fn5'])).toBeNull();
    expect(await viaCommander(['logs', '-fn5'])).toEqual({
      command: 'logs',
      args: [undefined],
      options: { follow: true, lines: '5' },
    });
    expect(parseArgs(logs, ['--bogus'])).toBeNull();
    expect(await viaCommander(['logs', '--bogus'])).toEqual({ error: 'commander.unknownOption' });
    const hook = LEAVES.find((l) => l.spec.name === 'hook')!.spec;
    expect(parseArgs(hook, [])).toBeNull();
    expect(await viaCommander(['hook'])).toEqual({ error: 'commander.missingArgument' });
  });
});
