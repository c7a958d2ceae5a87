/**
 * How a command is declared: what `--help`, the argument parser and "did you mean" need, with the action loaded
 * only when the command runs. Every declaration is loaded at each start, so this module and the declarations
 * (`<verb>.command.ts`) import nothing that costs time.
 */

/** What a command does: called with its arguments in declared order, then its options; a number is the exit code. */
export type Action = (...args: never[]) => Promise<unknown>;

export interface ArgumentSpec {
  name: string;
  summary?: string;
  /** `[name]`: may be left out (the action gets undefined, or [] when variadic); else `<name>`, required. */
  optional?: boolean;
  /** `name...`: takes the rest of the arguments, as a list. Only the last argument. */
  variadic?: boolean;
}

export interface OptionSpec {
  /** The long form without dashes: `lines` is --lines; `no-server` is --no-server, whose value is `server: false`. */
  long: string;
  /** One letter: `n` is -n. */
  short?: string;
  /** Names the value it takes (`--lines <count>`); without it the option is a flag (true when given). */
  value?: string;
  summary: string;
  /** The value when the option is not given, as it would be typed. */
  default?: string;
  /** Each use adds its value to a list. */
  repeatable?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  /** Run by devenv itself: not in `devenv --help`, never suggested. */
  hidden?: boolean;
  /** Deletes or replaces data: never offered as a "did you mean" for a typo. */
  destructive?: boolean;
  /**
   * Arguments meant for another program. `arguments`: from the first argument on everything is the program's,
   * options too (`devenv exec npm test --help`). `options`: an option devenv does not know starts the
   * program's part as well (`devenv psql -c ...`), and only `--help` is devenv's (psql's `-h` is its own).
   */
  passThrough?: 'arguments' | 'options';
  /**
   * A `--` reaches the action as one of its argument words instead of being dropped, so that it can tell
   * the words before it from those after (`up web` names a process, `up -- web` is a command to run). For a
   * command whose last argument is variadic and whose options take no value.
   */
  keepDashDash?: boolean;
  /** Said after the options in `devenv <command> --help`. */
  help?: string;
  /** Loads the action; it runs only for this command. */
  action: () => Promise<Action>;
}

/** A command made of sub-commands (`devenv snapshot save`). */
export interface GroupSpec {
  name: string;
  summary: string;
  commands: readonly CommandSpec[];
}

export type Declared = CommandSpec | GroupSpec;

export function isGroup(d: Declared): d is GroupSpec {
  return 'commands' in d;
}

/** Where an option's value goes in the options object (commander's rule): --exec-start → execStart, --no-x → x. */
export function optionKey(option: OptionSpec): string {
  const name = option.long.startsWith('no-') ? option.long.slice(3) : option.long;
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The options object before anything is parsed: declared defaults, and true for each --no-x. */
export function optionDefaults(spec: CommandSpec): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of spec.options ?? []) {
    if (option.default !== undefined) values[optionKey(option)] = option.default;
    else if (option.long.startsWith('no-') && !option.value) values[optionKey(option)] = true;
  }
  return values;
}
