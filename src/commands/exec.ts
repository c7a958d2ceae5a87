import { UserError } from '../errors.js';
import { readDotenv } from '../project/dotenv-file.js';
import { openProject } from '../project/project.js';
import { runForeground } from '../util/foreground.js';

/** Run a command with the project environment (.env, then the PG contract on top); the server need not run. */
export default async function exec(command: string[]): Promise<number> {
  const project = openProject(process.cwd());
  const [file, ...args] = command;
  if (!file) throw new UserError('nothing to run; usage: devenv exec -- COMMAND [ARGS...]');
  const env = { ...process.env, ...readDotenv(project.root), ...project.env };
  return runForeground(file, args, env);
}
