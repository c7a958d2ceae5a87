import { UserError } from '../errors.js';
import { appDefinitions } from '../project/processes.js';
import { openProject } from '../project/project.js';
import { unallowedDotenvNote } from '../shell/dotenv-note.js';
import { DETACHED_ENV } from '../up/app-env.js';
import { startDetached } from '../up/detach.js';
import { controlProcesses } from '../up/process-control.js';
import { runUp } from '../up/run.js';
import { readLiveState } from '../up/state.js';
import { refuseIfRunning } from '../up/up-lock.js';
import { didYouMean } from '../util/nearest-word.js';
import { terminalOutput } from '../util/output.js';
import { trace } from '../util/trace.js';

/**
 * `devenv up [-d] [NAME...] [-- CMD ARGS...]`: postgres and the apps (or only NAME... and what they need,
 * or one ad-hoc command), in the foreground or in the background. With NAME... and an `up` running for
 * this project already, they start in that one.
 */
export default async function up(words: string[], opts: { detach?: boolean }): Promise<number> {
  const { names, command } = splitWords(words);
  if (names.length && command.length) {
    throw new UserError('name processes to start, or give one command after `--`, not both');
  }
  const out = terminalOutput();
  const project = openProject(process.cwd(), { create: true });
  trace('project read (devenv.json)');
  // Read the apps before anything starts, so a bad Procfile (or a name that is none) is one clear line.
  const { apps, source } = appDefinitions(project.root, project.config, command);
  checkNames(
    names,
    apps.map((a) => a.name),
  );
  if (names.length && readLiveState(project.paths)) {
    return controlProcesses(project.paths, 'start-processes', names, 'up');
  }
  refuseIfRunning(project.paths);
  // Said where the user sees it: by `up -d` itself, not again by the background `up` into its log.
  const note = process.env[DETACHED_ENV] === '1' ? null : unallowedDotenvNote(project.root);
  if (note) out.notice(note);
  if (opts.detach) return startDetached(project, words, out);
  return runUp({ project, command, only: names, apps, source, out });
}

/** The words before `--` name processes; those after it are the ad-hoc command. */
function splitWords(words: string[]): { names: string[]; command: string[] } {
  const at = words.indexOf('--');
  return at === -1 ? { names: words, command: [] } : { names: words.slice(0, at), command: words.slice(at + 1) };
}

/** A word that names no process is most likely a command given without `--`: say both. */
function checkNames(names: string[], known: string[]): void {
  const bad = names.find((n) => !known.includes(n));
  if (bad === undefined) return;
  const processes = known.length ? `its processes are: ${known.join(', ')}` : 'it has none';
  throw new UserError(
    `"${bad}" is not a process of this project${didYouMean(bad, known)} (${processes}); ` +
      `to run a command, put it after \`--\`: devenv up -- ${names.join(' ')}`,
  );
}
