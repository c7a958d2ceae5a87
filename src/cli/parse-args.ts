import { type CommandSpec, type OptionSpec, optionDefaults, optionKey } from '../commands/command-spec.js';

/** A command line the action can run with, or a request for the command's help. */
export type Parsed = { kind: 'run'; args: unknown[]; options: Record<string, unknown> } | { kind: 'help' };

function findOption(spec: CommandSpec, flag: string): OptionSpec | undefined {
  return spec.options?.find((o) => flag === `--${o.long}` || (o.short !== undefined && flag === `-${o.short}`));
}

/** The action's arguments from the operands, as commander passes them; null when their number is wrong. */
function positionals(spec: CommandSpec, operands: string[]): unknown[] | null {
  const declared = spec.arguments ?? [];
  const last = declared[declared.length - 1];
  if (!last?.variadic && operands.length > declared.length) return null;
  const args: unknown[] = [];
  for (const [i, arg] of declared.entries()) {
    if (!arg.optional && operands[i] === undefined) return null;
    args.push(arg.variadic ? operands.slice(i) : operands[i]);
  }
  return args;
}

/**
 * Parses a command's arguments by its declaration, giving what commander would give, for the plain forms:
 * `--name`, `-n`, `--name value`, `--name=value`, `-n value`, `--`, and what passes through. Anything else
 * (a usage error, `-abc`, an unknown option of a command that passes none through) is null: commander then
 * parses it and says what is wrong. Used to run commands without loading commander (a third of a start).
 * `literal`: a `--` came before the command name, after which commander takes every word as an argument.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[], literal = false): Parsed | null {
  const options = optionDefaults(spec);
  if (literal) {
    const args = positionals(spec, [...argv]);
    return args ? { kind: 'run', args, options } : null;
  }
  const operands: string[] = [];
  // psql's -h is its host: a command that passes options through keeps only --help for itself.
  const helpFlags = spec.passThrough === 'options' ? ['--help'] : ['--help', '-h'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(spec.keepDashDash ? i : i + 1));
      break;
    }
    if (arg.length < 2 || !arg.startsWith('-')) {
      if (spec.passThrough) {
        operands.push(...argv.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    if (helpFlags.includes(arg)) return { kind: 'help' };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const option = findOption(spec, eq > 2 ? arg.slice(0, eq) : arg);
    if (option && (eq <= 2 || option.value)) {
      const key = optionKey(option);
      if (!option.value) {
        options[key] = !option.long.startsWith('no-');
        continue;
      }
      const value = eq > 2 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return null;
      options[key] = option.repeatable ? [...((options[key] as string[] | undefined) ?? []), value] : value;
      continue;
    }
    // `-ab` is a group of short options to commander when -a is one of ours.
    if (!arg.startsWith('--') && arg.length > 2 && findOption(spec, arg.slice(0, 2))) return null;
    if (spec.passThrough !== 'options') return null;
    operands.push(...argv.slice(i));
    break;
  }
  const args = positionals(spec, operands);
  return args ? { kind: 'run', args, options } : null;
}
