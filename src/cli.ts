import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { errorMessage, UserError } from './errors.js';
import { diskFullMessage, isDiskFull } from './util/disk-space.js';
import { packageVersion } from './util/package-files.js';
import { releaseDeadTerminal, stderr } from './util/terminal.js';

// commander is CommonJS: require() skips the ESM wrapper and the CJS export scan (a few ms per start).
const requireCjs = createRequire(import.meta.url);
const commander = (): typeof import('commander') => requireCjs('commander');

/** Each command lives in its own module, loaded only when that command runs (keeps --help and env fast). */
type CommandModule = { default: (...args: never[]) => Promise<unknown> };

function lazy(load: () => Promise<CommandModule>) {
  return async (...args: unknown[]) => {
    const mod = await load();
    // commander passes (...positionals, options, command); hand the command module all but the Command.
    const code = await mod.default(...(args.slice(0, -1) as never[]));
    if (typeof code === 'number') process.exitCode = code;
  };
}

// Long on purpose: one declaration per command, in the order `--help` lists them (a list, not logic).
export function buildProgram(): Command {
  const { Command } = commander();
  const program = new Command('devenv')
    .description('A disposable project-local PostgreSQL plus your app, without Docker')
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(run `devenv --help` for usage)');

  program
    .command('init')
    .description('create .pgres (idempotent)')
    .action(lazy(() => import('./commands/init.js')));

  program
    .command('up')
    .description('run postgres and the app processes; restart on change and on crash')
    .option('-d, --detach', 'run in the background; return once everything is started')
    .argument('[command...]', 'one ad-hoc app command (after --)')
    .passThroughOptions()
    .action(lazy(() => import('./commands/up.js')));

  program
    .command('down')
    .description('stop a background `devenv up`')
    .action(lazy(() => import('./commands/down.js')));

  program
    .command('status')
    .description('cluster, server and processes')
    .option('--json', 'machine-readable output')
    .action(lazy(() => import('./commands/status.js')));

  program
    .command('logs')
    .description('show process logs')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <count>', 'lines to show from the end of each log', '100')
    .argument('[name]', 'process name (postgres, or an app)')
    .action(lazy(() => import('./commands/logs.js')));

  program
    .command('setup')
    .description('run postgres.setup again (SQL files and commands) on the project database')
    .action(lazy(() => import('./commands/setup.js')));

  program
    .command('psql')
    .description(
      'psql into the project database as the superuser (--as-app: as postgres.role; --builtin: the built-in SQL ' +
        'shell, used anyway when no psql is installed); other arguments go to psql',
    )
    .argument('[args...]')
    .allowUnknownOption()
    .helpOption(false)
    .passThroughOptions()
    .action(lazy(() => import('./commands/psql.js')));

  program
    .command('reset')
    .description('stop everything and delete .pgres')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./commands/reset.js')));

  const snapshot = program.command('snapshot').description('whole-cluster snapshots kept in .pgres/snapshots');
  const sub = (name: 'save' | 'restore' | 'list' | 'rm') =>
    lazy(async () => ({ default: (await import('./commands/snapshot.js'))[name] }));
  snapshot
    .command('save')
    .description('copy the whole cluster (all databases) under a name; the server may keep running')
    .argument('[name]', 'letters, digits, ".", "_", "-" (default: the local time)')
    .action(sub('save'));
  snapshot
    .command('restore')
    .description('make the cluster exactly that snapshot (stops and restarts a running server)')
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(sub('restore'));
  snapshot
    .command('list')
    .description('name, time, size and PostgreSQL version of each snapshot')
    .option('--json', 'machine-readable output')
    .action(sub('list'));
  snapshot.command('rm').description('delete a snapshot').argument('<name>').action(sub('rm'));

  program
    .command('env')
    .description('print the project environment')
    .option('--shell <shell>', 'bash, zsh, fish or json', 'bash')
    .option('--db <name>', 'point PGDATABASE and the URLs at this project database (postgres.databases)')
    .option('--reveal', 'include the TCP password in DATABASE_URL_TCP (postgres.tcp)')
    .action(lazy(() => import('./commands/env.js')));

  program
    .command('exec')
    .description('run a command inside the project environment, with the server running')
    .option('--db <name>', 'point PGDATABASE and the URLs at this project database (postgres.databases)')
    .option('--no-server', 'do not start a server for the command')
    .argument('<command...>')
    .passThroughOptions()
    .action(lazy(() => import('./commands/exec.js')));

  const branch = program.command('branch').description('databases of git branches (postgres.branches "git")');
  branch
    .command('list')
    .description('the branch databases: branch, database, size, when made (* the current one)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await (await import('./commands/branch.js')).list(opts);
    });
  branch
    .command('rm')
    .description("drop a branch's database (by git branch or database name)")
    .argument('<name>')
    .action(async (name: string) => {
      process.exitCode = await (await import('./commands/branch.js')).rm(name);
    });

  program
    .command('hook')
    .description('print the shell hook (eval "$(devenv hook bash)")')
    .argument('<shell>', 'bash, zsh or fish')
    .action(lazy(() => import('./commands/hook.js')));

  program
    .command('schema')
    .description('print the JSON schema of devenv.json (for editors)')
    .option('--path', 'print where the installed schema file is instead')
    .action(lazy(() => import('./commands/schema.js')));

  // Internal: run by the shell hook on entering a project whose cached answer is missing or stale.
  program
    .command('hook-env', { hidden: true })
    .argument('<shell>')
    .argument('<cache-dir>')
    .argument('<root>')
    .action(lazy(() => import('./commands/hook-env.js')));

  // Internal: started in the background after an init to refill the template cache and spares.
  program
    .command('__refill', { hidden: true })
    .argument('<job>')
    .action(lazy(() => import('./commands/refill.js')));

  program
    .command('export')
    .description('production files from devenv.json: systemd units, a Caddyfile or a NixOS module')
    .argument('<target>', 'systemd, caddy or nixos')
    .option('--out <dir>', 'where to write the files (default: deploy/ in the project)')
    .option('--force', 'overwrite files an earlier export wrote (never the environment file)')
    .option('--stdout', 'print the files instead of writing them')
    .option('--name <name>', 'app name for units, module and directories (default: the project directory)')
    .option(
      '--exec-start <[process=]path>',
      "systemd: the program's absolute path on the server, instead of the command's first word (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--domain <domain>', 'caddy, nixos: the domain the web process is served on')
    .action(lazy(() => import('./commands/export.js')));

  program
    .command('allow')
    .description("trust this project's .env")
    .action(lazy(() => import('./commands/allow.js')));
  program
    .command('deny')
    .description("stop trusting this project's .env")
    .action(lazy(() => import('./commands/deny.js')));

  return program;
}

/**
 * The commands on hot paths (the shell hook's `hook-env`, `eval "$(devenv env)"`, `up`, `down`, `exec --`), run without
 * commander when their arguments are plain: loading and building the program costs ~15 ms of a
 * ~35 ms start. Anything else (help, other options) goes through commander exactly as before.
 */
function fastPath(args: string[]): (() => Promise<unknown>) | null {
  const plain = (a: string | undefined) => a !== undefined && a !== '' && !a.startsWith('-');
  if (args[0] === 'hook-env' && args.length === 4 && args.slice(1).every(plain)) {
    return async () => (await import('./commands/hook-env.js')).default(args[1], args[2], args[3]);
  }
  if (args[0] === 'env') {
    let shell: string | undefined;
    if (args.length === 1) shell = 'bash';
    else if (args.length === 2 && args[1]!.startsWith('--shell=') && args[1]!.length > 8) shell = args[1]!.slice(8);
    else if (args.length === 3 && args[1] === '--shell' && plain(args[2])) shell = args[2];
    if (shell !== undefined) return async () => (await import('./commands/env.js')).default({ shell: shell! });
  }
  // `up`'s start time is measured against `pg_ctl start`: plain forms skip commander too.
  if (args[0] === 'up') {
    let rest = args.slice(1);
    const detach = rest[0] === '-d' || rest[0] === '--detach';
    if (detach) rest = rest.slice(1);
    if (rest.length === 0 || (rest[0] === '--' && rest.length > 1)) {
      const command = rest.slice(1);
      return async () => (await import('./commands/up.js')).default(command, detach ? { detach } : {});
    }
  }
  if (args[0] === 'down' && args.length === 1) return async () => (await import('./commands/down.js')).default();
  // `exec -- CMD` is measured against `pg_ctl start && CMD && pg_ctl stop`.
  if (args[0] === 'exec' && args[1] === '--' && args.length > 2) {
    const command = args.slice(2);
    return async () => (await import('./commands/exec.js')).default(command, {});
  }
  return null;
}

export async function main(argv: string[]): Promise<void> {
  const fast = fastPath(argv.slice(2));
  let CommanderError: typeof import('commander').CommanderError | undefined;
  try {
    if (fast) {
      const code = await fast();
      if (typeof code === 'number') process.exitCode = code;
      return;
    }
    ({ CommanderError } = commander());
    const program = buildProgram();
    program.exitOverride();
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
