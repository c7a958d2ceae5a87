import { appDefinitions } from '../project/processes.js';
import { openProject } from '../project/project.js';
import { unallowedDotenvNote } from '../shell/dotenv-note.js';
import { DETACHED_ENV } from '../up/app-env.js';
import { startDetached } from '../up/detach.js';
import { runUp } from '../up/run.js';
import { refuseIfRunning } from '../up/up-lock.js';
import { terminalOutput } from '../util/output.js';
import { trace } from '../util/trace.js';

/** `devenv up [-d] [-- CMD ARGS...]`: postgres and the apps, in the foreground or in the background. */
export default async function up(command: string[], opts: { detach?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd(), { create: true });
  trace('project read (devenv.json)');
  refuseIfRunning(project.paths);
  // Read the apps before anything starts, so a bad Procfile is one clear line.
  const { apps, source } = appDefinitions(project.root, project.config, command);
  // Said where the user sees it: by `up -d` itself, not again by the background `up` into its log.
  const note = process.env[DETACHED_ENV] === '1' ? null : unallowedDotenvNote(project.root);
  if (note) out.notice(note);
  if (opts.detach) return startDetached(project, command, out);
  return runUp({ project, command, apps, source, out });
}
