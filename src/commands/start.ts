import { openProject } from '../project/project.js';
import { controlProcesses } from '../up/process-control.js';

/** `devenv start NAME...`: in the running `up`, with what each needs. */
export default async function start(names: string[]): Promise<number> {
  const project = openProject(process.cwd());
  return controlProcesses(project.paths, 'start-processes', names, 'start');
}
