import { type CommandSpec, type Declared, isGroup } from '../commands/command-spec.js';
import { closestWord } from '../util/edit-distance.js';

/**
 * The command the words name and the words after it (`literal`: a `--` came before the command, so they are
 * all arguments), or the one line for a word that names no command.
 */
export type Located = { spec: CommandSpec; path: string[]; rest: string[]; literal: boolean } | { unknown: string };

/** Never offered for a typo: commands devenv runs itself, and those that delete or replace data. */
function offered(d: Declared): boolean {
  return isGroup(d) || !(d.hidden || d.destructive);
}

function unknownCommand(word: string, level: readonly Declared[], path: readonly string[]): string {
  const where = ['devenv', ...path].join(' ');
  const guess = closestWord(
    word,
    level.filter(offered).map((d) => d.name),
  );
  const list = `\`${where} --help\` lists ${path.length ? 'its' : 'the'} commands`;
  // JSON quoting keeps the message one line whatever was typed.
  const named = `unknown command ${JSON.stringify([...path, word].join(' '))}`;
  return guess ? `${named}; did you mean \`${where} ${guess}\`? (${list})` : `${named}; ${list}`;
}

/**
 * Finds the declared command before anything is parsed. Null leaves the command line to commander alone:
 * options of devenv itself (--version, --help), a group without its sub-command, `help [COMMAND]`. An unknown
 * command is said here, not by commander, whose "did you mean" may name `reset` for `restart`.
 */
export function locateCommand(commands: readonly Declared[], words: readonly string[]): Located | null {
  return locate(commands, words, [], false);
}

/** `literal`: a `--` came before the command; to commander, all the words after it are then arguments. */
function locate(
  commands: readonly Declared[],
  words: readonly string[],
  path: readonly string[],
  literal: boolean,
): Located | null {
  const word = words[0];
  if (word === '--' && !literal) return locate(commands, words.slice(1), path, true);
  if (word === undefined || word.startsWith('-')) return null;
  if (word === 'help') {
    const target = locate(commands, words.slice(1), path, literal);
    return target && 'unknown' in target ? target : null;
  }
  const found = commands.find((d) => d.name === word);
  if (!found) return { unknown: unknownCommand(word, commands, path) };
  if (isGroup(found)) return locate(found.commands, words.slice(1), [...path, word], literal);
  const rest = words.slice(1);
  return { spec: found, path: [...path, word], rest, literal };
}
