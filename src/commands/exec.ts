import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { childEnvironment } from '../project/child-env.js';
import { chooseDatabase, openProject, type Project } from '../project/project.js';
import { unallowedDotenvNote } from '../shell/dotenv-note.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { runForeground } from '../util/foreground.js';
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
  const out = terminalOutput();
  const note = unallowedDotenvNote(project.root);
  if (note) out.notice(note);
  // With the project as the server runs it: a port picked at this start changes PGPORT and the URLs.
  const childEnv = (current: Project) => childEnvironment(current, { database, password: true });
  if (opts.server === false) return runForeground(file, args, childEnv(project));
  const { pg } = await ensureCluster(preparePostgres(project, checkNoInterruptedSwap), project, out);
  return withSessionServer(pg, project, out, async (running) => {
    await provision(pg, running, out, { setup: 'if-needed' });
    return runForeground(file, args, childEnv(running));
  });
}
