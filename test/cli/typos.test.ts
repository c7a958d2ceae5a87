/** An unknown command is one line naming it; a "did you mean" never names a command that deletes or replaces data. */
import { describe, expect, it } from 'vitest';
import { locateCommand } from '../../src/cli/locate-command.js';
import { isGroup } from '../../src/commands/command-spec.js';
import { COMMANDS } from '../../src/commands/registry.js';
import { closestWord, editDistance } from '../../src/util/edit-distance.js';
import { LEVELS } from './registry.js';

/** What devenv says for these words, when they name no command. */
function unknownLine(words: string[]): string {
  const found = locateCommand(COMMANDS, words);
  if (!found || !('unknown' in found)) throw new Error(`${words.join(' ')} names a command`);
  return found.unknown;
}

const suggestion = (line: string) => /did you mean `([^`]*)`/.exec(line)?.[1] ?? null;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz-_';

/** Every word one edit from `name`: a character left out, swapped with its neighbour, replaced or added. */
function oneEditAway(name: string): string[] {
  const words: string[] = [];
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length) words.push(name.slice(0, i) + name.slice(i + 1));
    if (i < name.length - 1) words.push(name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2));
    for (const c of LETTERS) {
      if (i < name.length) words.push(name.slice(0, i) + c + name.slice(i + 1));
      words.push(name.slice(0, i) + c + name.slice(i));
    }
  }
  return words;
}

/** What people type when they mean to stop, restart, undo or delete something. */
const MEANT = ['restart', 'stop', 'start', 'rest', 'reste', 'rset', 'restor', 'restroe', 'rstore', 'revert', 'undo'];
const MEANT_TOO = ['remove', 'delete', 'del', 'rmm', 'r', 'drop', 'clear', 'clean', 'wipe', 'purge', 'kill', 'erase'];

describe('a typo never gets a destructive command as its "did you mean"', () => {
  for (const { path, commands } of LEVELS) {
    const destructive = commands.flatMap((d) => (!isGroup(d) && d.destructive ? [d.name] : []));
    const visible = commands.flatMap((d) => (isGroup(d) || !d.hidden ? [d.name] : []));
    const names = new Set(commands.map((d) => d.name));
    const typos = [...new Set([...destructive.flatMap(oneEditAway), ...MEANT, ...MEANT_TOO])].filter(
      (w) => w !== '' && !names.has(w) && w !== 'help' && !w.startsWith('-'),
    );
    const where = ['devenv', ...path].join(' ');
    it(`${where}: ${typos.length} typos of ${destructive.join(', ')}, and words for stopping`, () => {
      expect(destructive.length).toBeGreaterThan(0);
      let guarded = 0;
      for (const typo of typos) {
        const line = unknownLine([...path, typo, 'web']);
        expect(line, typo).not.toContain('\n');
        expect(line, typo).toContain(`unknown command ${JSON.stringify([...path, typo].join(' '))}`);
        const guess = suggestion(line)?.split(' ').pop() ?? null;
        expect(destructive, `${typo} → ${guess}`).not.toContain(guess);
        // Counts the typos the filter saved: without it, these would have named a destructive command.
        if (destructive.includes(closestWord(typo, visible) ?? '')) guarded++;
      }
      expect(guarded).toBeGreaterThan(typos.length / 2);
    });
  }
});

describe('an unknown command', () => {
  it.for([
    [['rest'], 'unknown command "rest"; `devenv --help` lists the commands'],
    [
      ['rstart', 'web'],
      'unknown command "rstart"; did you mean `devenv restart`? (`devenv --help` lists the commands)',
    ],
    [['stpo', 'web'], 'unknown command "stpo"; did you mean `devenv stop`? (`devenv --help` lists the commands)'],
    [['help', 'rest'], 'unknown command "rest"; `devenv --help` lists the commands'],
    [['snapshot', 'restor'], 'unknown command "snapshot restor"; `devenv snapshot --help` lists its commands'],
    [['branch', 'rn', 'x'], 'unknown command "branch rn"; `devenv branch --help` lists its commands'],
    [['stauts'], 'unknown command "stauts"; did you mean `devenv status`? (`devenv --help` lists the commands)'],
    [['snapshot', 'lsit'], expect.stringContaining('did you mean `devenv snapshot list`?')],
    [['inti'], expect.stringContaining('did you mean `devenv init`?')],
    [['exce', '--', 'ls'], expect.stringContaining('did you mean `devenv exec`?')],
    [['hook-evn'], 'unknown command "hook-evn"; `devenv --help` lists the commands'],
    [['__refil'], 'unknown command "__refil"; `devenv --help` lists the commands'],
    [['a\nb'], 'unknown command "a\\nb"; `devenv --help` lists the commands'],
  ] as const)('devenv %j: %s', ([words, line]) => {
    expect(unknownLine([...words])).toEqual(line);
  });

  it('finds a typo wherever commander would take it for a command: after --, after help, in a group', () => {
    for (const words of [
      ['--', 'rest'],
      ['help', 'rest'],
      ['snapshot', '--', 'rstore'],
      ['snapshot', 'help', 'rmm'],
    ]) {
      expect(locateCommand(COMMANDS, words), words.join(' ')).toHaveProperty('unknown');
    }
    // After --, commander takes every word as an argument: `devenv -- logs -n 5` names a log "-n".
    expect(locateCommand(COMMANDS, ['--', 'logs', '-n'])).toMatchObject({
      path: ['logs'],
      rest: ['-n'],
      literal: true,
    });
  });

  it('leaves to commander what it handles itself: options, help, a group alone', () => {
    for (const words of [[], ['--version'], ['-h'], ['help'], ['help', 'status'], ['snapshot'], ['branch', '--help']]) {
      expect(locateCommand(COMMANDS, words), words.join(' ')).toBeNull();
    }
    expect(locateCommand(COMMANDS, ['snapshot', 'save', 'x'])).toMatchObject({
      path: ['snapshot', 'save'],
      rest: ['x'],
    });
  });
});

describe('editDistance', () => {
  it.for([
    ['status', 'status', 0],
    ['sttaus', 'status', 1],
    ['stats', 'status', 1],
    ['stop', 'setup', 2],
    ['restart', 'reset', 3],
    ['', 'up', 2],
  ] as const)('%s → %s: %i', ([a, b, d]) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});
