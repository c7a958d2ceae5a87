import type { Command } from 'commander';
import { type CommandSpec, type Declared, isGroup } from '../commands/command-spec.js';
import { packageVersion } from '../util/package-files.js';

/** What to do once commander has parsed a command line: the same call the fast path makes. */
export type Dispatch = (spec: CommandSpec, args: unknown[], options: Record<string, unknown>) => Promise<void>;

function argumentSyntax(a: NonNullable<CommandSpec['arguments']>[number]): string {
  const name = a.variadic ? `${a.name}...` : a.name;
  return a.optional ? `[${name}]` : `<${name}>`;
}

function addCommand(parent: Command, spec: CommandSpec, dispatch: Dispatch): void {
  const cmd = parent.command(spec.name, { hidden: spec.hidden }).description(spec.summary);
  for (const a of spec.arguments ?? []) cmd.argument(argumentSyntax(a), a.summary);
  for (const o of spec.options ?? []) {
    const flags = `${o.short ? `-${o.short}, ` : ''}--${o.long}${o.value ? ` <${o.value}>` : ''}`;
    if (o.repeatable)
      cmd.option(flags, o.summary, (value: string, previous?: string[]) => [...(previous ?? []), value]);
    else cmd.option(flags, o.summary, o.default);
  }
  if (spec.passThrough) cmd.passThroughOptions();
  if (spec.keepDashDash) keepDashDash(cmd);
  // Unknown options are the other program's, and so is -h: devenv's help is --help, found by parseArgs.
  if (spec.passThrough === 'options') cmd.allowUnknownOption().helpOption(false);
  if (spec.help) cmd.addHelpText('after', `\n${spec.help}`);
  // commander calls (...arguments, options, command).
  cmd.action((...got: unknown[]) =>
    dispatch(spec, got.slice(0, -2), { ...(got[got.length - 2] as Record<string, unknown>) }),
  );
}

/**
 * commander drops a `--`; this command keeps it as an argument word, with everything after it, as parseArgs
 * does (its options take no value, so a `--` is never an option's value).
 */
function keepDashDash(cmd: Command): void {
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args) => {
    const at = args.indexOf('--');
    if (at === -1) return parse(args);
    const parsed = parse(args.slice(0, at));
    return { operands: [...parsed.operands, ...args.slice(at)], unknown: parsed.unknown };
  };
}

/** commander's program, set up from the declarations: help, version, and every usage error's message. */
export function buildProgram(
  commander: typeof import('commander'),
  commands: readonly Declared[],
  dispatch: Dispatch,
): Command {
  const program = new commander.Command('devenv')
    .description('A disposable project-local PostgreSQL plus your app, without Docker')
    .version(packageVersion(), '-V, --version')
    // Set before the commands are added, which copy it: errors throw, and main sets the exit code.
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError('(run `devenv --help` for usage)');
  for (const d of commands) {
    if (!isGroup(d)) {
      addCommand(program, d, dispatch);
      continue;
    }
    const group = program.command(d.name).description(d.summary);
    for (const spec of d.commands) addCommand(group, spec, dispatch);
    group.showSuggestionAfterError(false);
  }
  // locateCommand answers unknown commands, never naming a destructive one; should one reach commander anyway,
  // its "did you mean" (which might say `reset`) stays off where commands are chosen. Options keep theirs.
  program.showSuggestionAfterError(false);
  return program;
}

/** The commander command at a path of names (`['snapshot', 'save']`). */
export function commandAt(program: Command, path: readonly string[]): Command {
  let cmd = program;
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd;
}
