/**
 * The built-in SQL shell: psql's command line, run without psql. Connects like psql (options, then
 * PGHOST/PGPORT/PGUSER/PGDATABASE), runs `-c`/`-f` actions in order or reads stdin (a terminal gets the
 * interactive loop), and exits with psql's codes: 0 ok, 1 a failed `-c` or a fatal error of its own,
 * 2 no connection (or lost in a script), 3 a script stopped by ON_ERROR_STOP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion } from '../util/package-files.js';
import { stderr, stdout } from '../util/terminal.js';
import { userStateDir } from '../util/user-dirs.js';
import { ConnectError, Connection, type ConnectTarget } from './connection.js';
import { listDatabases } from './describe-lists.js';
import { fileSource, streamSource, type Terminal, terminalSource } from './line-input.js';
import { type LoopEnd, runSource } from './main-loop.js';
import { fileErrorText, runMeta } from './meta-commands.js';
import { OptionError, parseOptions, type ShellOptions } from './options.js';
import { applyPset, PsetError } from './pset.js';
import { type LineSource, Shell } from './shell.js';

const EXIT = { ok: 0, failure: 1, badConnection: 2, stopped: 3 } as const;

function endCode(end: LoopEnd): number {
  return end === 'stop' ? EXIT.stopped : end === 'lost' ? EXIT.badConnection : EXIT.ok;
}

function fail(message: string, hint = false): number {
  stderr.write(`psql: error: ${message}\n`);
  if (hint) stderr.write('psql: hint: Try "devenv psql --help" for more information.\n');
  return EXIT.failure;
}

function target(o: ShellOptions, env: NodeJS.ProcessEnv): ConnectTarget {
  const user = o.username ?? env.PGUSER ?? env.USER ?? 'postgres';
  return {
    host: o.host ?? env.PGHOST ?? '/tmp',
    port: Number(o.port ?? env.PGPORT ?? 5432),
    user,
    database: o.dbname ?? env.PGDATABASE ?? user,
    password: env.PGPASSWORD,
  };
}

/** `-c` text: SQL goes to the server as one query (several statements, one implicit transaction), as in psql. */
async function runCommand(shell: Shell, text: string): Promise<number> {
  if (!text.trimStart().startsWith('\\')) {
    if (await shell.sendQuery(text)) return EXIT.ok;
    return shell.conn.alive ? EXIT.failure : EXIT.badConnection;
  }
  const { SqlLexer } = await import('../postgres/sql-lexer.js');
  const lexer = new SqlLexer((n) => shell.vars.get(n));
  let ok = true;
  for (const line of text.split('\n')) {
    for (const ev of lexer.line(line)) {
      const r = ev.kind === 'meta' ? await runMeta(shell, ev, lexer) : (await shell.sendQuery(ev.sql)) ? 'ok' : 'error';
      if (r === 'quit') return EXIT.ok;
      if (r !== 'ok') ok = false; // a failed \c included: the next -c finds no connection
    }
  }
  return ok ? EXIT.ok : EXIT.failure;
}

async function runFile(shell: Shell, file: string, stdinSource: () => LineSource): Promise<number> {
  if (file === '-') return endCode(await runSource(shell, { ...stdinSource(), name: '<stdin>' }));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`${file}: ${fileErrorText(err)}`);
  }
  return endCode(await runSource(shell, fileSource(file, text)));
}

async function runActions(shell: Shell, o: ShellOptions, stdinSource: () => LineSource): Promise<number> {
  if (o.singleTransaction) await shell.conn.client.query('BEGIN');
  let code: number = EXIT.ok;
  for (const action of o.actions) {
    if (!shell.conn.alive) {
      shell.error('You are currently not connected to a database.');
      code = EXIT.failure;
      if (shell.vars.bool('ON_ERROR_STOP')) break;
      continue;
    }
    code =
      action.kind === 'command' ? await runCommand(shell, action.text) : await runFile(shell, action.path, stdinSource);
    if (code === EXIT.badConnection) return code;
    if (code !== EXIT.ok && shell.vars.bool('ON_ERROR_STOP')) break;
  }
  if (o.singleTransaction && shell.conn.alive)
    await shell.conn.client.query(code === EXIT.ok ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
  return code;
}

function configure(shell: Shell, o: ShellOptions): void {
  for (const [name, value] of o.variables) {
    if (value === undefined) shell.vars.unset(name);
    else shell.vars.set(name, value);
  }
  for (const [name, value] of o.psets) applyPset(shell.popt, name, value);
}

/** Ctrl-C cancels the running query; SIGTERM/SIGHUP end the session cleanly (the caller stops its server). */
function handleSignals(shell: () => Shell | null, terminal: () => Terminal | null): () => void {
  const interrupt = () => {
    const s = shell();
    if (s && !s.cancel()) s.cancelled = true;
  };
  const terminate = () => {
    terminal()?.close();
    void shell()?.conn.close();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', terminate);
  process.on('SIGHUP', terminate);
  return () => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', terminate);
    process.off('SIGHUP', terminate);
  };
}

export async function runSqlShell(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let o: ShellOptions;
  try {
    o = parseOptions(argv);
  } catch (err) {
    if (err instanceof OptionError) return fail(err.message, true);
    throw err;
  }
  if (o.version) {
    stdout.write(`psql (devenv ${packageVersion()} built-in SQL shell)\n`);
    return EXIT.ok;
  }
  if (o.help) {
    stdout.write(USAGE);
    return EXIT.ok;
  }
  for (const w of o.warnings) stderr.write(`psql: warning: ${w}\n`);
  if (o.dbname !== undefined && (o.dbname.includes('=') || /^postgres(ql)?:\/\//.test(o.dbname))) {
    return fail('connection strings are not supported by the built-in shell; use -d DBNAME and -U USER');
  }
  let conn: Connection;
  try {
    conn = await Connection.open(target(o, env));
  } catch (err) {
    if (err instanceof ConnectError) {
      stderr.write(`psql: error: ${err.message}\n`);
      return EXIT.badConnection;
    }
    throw err;
  }
  let stdinLines: LineSource | null = null;
  const stdinSource = () => {
    stdinLines ??= streamSource(process.stdin, null);
    return stdinLines;
  };
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  const shell = new Shell(conn, { out: stdout, err: stderr, columns }, stdinSource);
  let terminal: Terminal | null = null;
  const release = handleSignals(
    () => shell,
    () => terminal,
  );
  try {
    configure(shell, o);
    if (o.list) return (await listDatabases(shell, undefined, { verbose: false, system: false })) ? 0 : 1;
    if (o.actions.length > 0) return await runActions(shell, o, stdinSource);
    if (process.stdin.isTTY && process.stdout.isTTY) {
      if (!shell.quiet) {
        stdout.write(`psql (devenv built-in shell, server ${conn.serverVersion.split(' ')[0]})\n`);
        stdout.write('Type "help" for help.\n\n');
      }
      const history = o.noReadline ? null : (env.PSQL_HISTORY ?? path.join(userStateDir(env), 'psql_history'));
      terminal = terminalSource(
        history,
        () => shell.cancel(),
        () => {
          shell.cancelled = true;
        },
      );
      const end = await runSource(shell, terminal);
      terminal.close();
      return end === 'lost' ? EXIT.badConnection : EXIT.ok;
    }
    return endCode(await runSource(shell, stdinSource()));
  } catch (err) {
    if (err instanceof PsetError) return fail(err.message);
    throw err;
  } finally {
    release();
    await shell.conn.close();
    // Piped stdin read only in part (COPY data for -c) must not keep the process waiting for its end.
    if (stdinLines) process.stdin.pause();
  }
}

const USAGE = `devenv psql runs psql when it is installed; without it, this built-in shell takes psql's options:
  -c COMMAND       run one command (SQL or a meta-command); repeatable, in order with -f
  -f FILE          run commands from a file (- for stdin)
  -v NAME=VALUE    set a variable (ON_ERROR_STOP=1: stop a script at its first error)
  -d DBNAME        database (or the first argument); -U USER: user (or the second argument)
  -A  -F SEP  -R SEP  -t  -x  --csv  -P NAME=VALUE   output format, as psql
  -q               quiet; -X, -w accepted (no psqlrc is read, no password asked)
  -1               run the -c/-f commands in one transaction
  -l               list databases
Type \\? in the shell for its meta-commands.
`;
