import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/session-server.js';
import { readDotenv } from '../project/dotenv-file.js';
import { chooseDatabase, clientEnvironment, openProject, type Project } from '../project/project.js';
import { terminalOutput } from '../util/output.js';

/**
 * Run a command with the project environment (.env, then the PG contract on top) and a server: the
 * running one, or one shared with concurrent sessions and stopped by the last (`--no-server`: none).
 */
export default async function exec(command: string[], opts: { db?: string; server?: boolean } = {}): Promise<number> {
  const project = openProject(process.cwd());
  const [file, ...args] = command;
  if (!file) throw new UserError('nothing to run; usage: devenv exec [--db NAME] [--no-server] -- COMMAND [ARGS...]');
  const database = chooseDatabase(project, opts.db);
  // The project as the server runs it: a port picked at this start changes PGPORT and the URLs.
  const childEnv = (current: Project) => ({
    ...process.env,
    ...readDotenv(current.root),
    ...clientEnvironment(current, { database, password: true }),
  });
  if (opts.server === false) return runForeground(file, args, childEnv(project));
  const out = terminalOutput();
  const pg = preparePostgres(project);
  await ensureCluster(pg, out);
  return withSessionServer(pg, out, async () => {
    await provision(pg, out, { setup: 'if-needed' });
    return runForeground(file, args, childEnv(pg.project));
  });
}

/** Run a child in the foreground: it owns the terminal's Ctrl-C; its exit code becomes ours. */
export function runForeground(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    // The terminal sends Ctrl-C to the whole foreground group; let the child decide what it means.
    const ignore = () => undefined;
    // A SIGTERM/SIGHUP aimed at us goes to the child; we clean up after it exits.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        err.code === 'ENOENT'
          ? new UserError(`command not found: ${file}`, 127)
          : err.code === 'EACCES'
            ? new UserError(`permission denied: ${file}`, 126)
            : err,
      );
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1;
}
