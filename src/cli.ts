import { createRequire } from 'node:module';
import { locateCommand } from './cli/locate-command.js';
import { parseArgs } from './cli/parse-args.js';
import { buildProgram, commandAt } from './cli/program.js';
import type { CommandSpec } from './commands/command-spec.js';
import { COMMANDS } from './commands/registry.js';
import { errorMessage, UserError } from './errors.js';
import { diskFullMessage, isDiskFull } from './util/disk-space.js';
import { releaseDeadTerminal, stderr } from './util/terminal.js';
import { trace } from './util/trace.js';

// commander is CommonJS: require() skips the ESM wrapper and the CJS export scan (a few ms per start).
const requireCjs = createRequire(import.meta.url);
const commander = (): typeof import('commander') => requireCjs('commander');

/** Runs a command's action (loaded now: only this command's modules are read). */
async function runCommand(spec: CommandSpec, args: unknown[], options: Record<string, unknown>): Promise<void> {
  const action = await spec.action();
  trace(`command loaded: ${spec.name}`);
  const code = await action(...(args as never[]), options as never);
  if (typeof code === 'number') process.exitCode = code;
}

/**
 * One registry of commands (src/commands/registry.ts) serves two parsers. A plain command line is parsed by
 * parseArgs and runs without loading commander (~15 ms of a ~35 ms start: this keeps the shell hook's
 * `hook-env`, `eval "$(devenv env)"`, `up`, `exec --` fast); help, version and usage errors go to commander,
 * set up from the same declarations.
 */
export async function main(argv: string[]): Promise<void> {
  let CommanderError: typeof import('commander').CommanderError | undefined;
  try {
    const found = locateCommand(COMMANDS, argv.slice(2));
    if (found && 'unknown' in found) throw new UserError(found.unknown);
    const parsed = found ? parseArgs(found.spec, found.rest, found.literal) : null;
    if (found && parsed?.kind === 'run') return await runCommand(found.spec, parsed.args, parsed.options);
    ({ CommanderError } = commander());
    const program = buildProgram(commander(), COMMANDS, runCommand);
    // parseArgs found the help flag where it is devenv's (for psql: --help, before psql's own arguments).
    if (found && parsed?.kind === 'help') return commandAt(program, found.path).outputHelp();
    await program.parseAsync(argv);
  } catch (err) {
    if (CommanderError && err instanceof CommanderError) {
      // commander already printed its message (help, version or a usage error).
      process.exitCode = err.exitCode;
      return;
    }
    reportError(err);
  } finally {
    // Everything has stopped: a terminal that hung up meanwhile must not make the exit itself fail.
    releaseDeadTerminal();
  }
}

/** A UserError is its one line; anything else is our bug, said as such (PGRES_DEBUG=1 adds the stack). */
function reportError(err: unknown): void {
  if (err instanceof UserError) {
    stderr.write(`devenv: ${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  if (isDiskFull(err) && !process.env.PGRES_DEBUG) {
    // Not our bug: a write anywhere (a lock, a marker) on a full disk. Say which filesystem.
    const where = (err as { path?: unknown }).path;
    stderr.write(`devenv: ${diskFullMessage(typeof where === 'string' ? where : process.cwd(), 'disk full')}\n`);
    process.exitCode = 1;
    return;
  }
  if (process.env.PGRES_DEBUG) {
    stderr.write(`devenv: internal error: ${errorMessage(err)}\n${err instanceof Error ? err.stack : ''}\n`);
  } else {
    stderr.write(`devenv: internal error: ${errorMessage(err)} (run with PGRES_DEBUG=1 for the stack trace)\n`);
  }
  process.exitCode = 70;
}
