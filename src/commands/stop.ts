import { openProject } from '../project/project.js';
import { controlProcesses } from '../up/process-control.js';

/** `devenv stop NAME...`: in the running `up`, what needs each stops first. */
export default async function stop(names: string[]): Promise<number> {
  const project = openProject(process.cwd());
  return controlProcesses(project.paths, 'stop-processes', names, 'stop');
}
