import { openProject } from '../project/project.js';
import { controlProcesses } from '../up/process-control.js';

/** `devenv restart [NAME...]`: in the running `up`; no name: every app (postgres only when named). */
export default async function restart(names: string[]): Promise<number> {
  const project = openProject(process.cwd());
  return controlProcesses(project.paths, 'restart-processes', names, 'restart');
}
