import { findRunningServer, stopServer } from '../postgres/server.js';
import { openProject } from '../project/project.js';
import { stopSupervisor } from '../up/stop-supervisor.js';
import { terminalOutput } from '../util/output.js';

/** Stop this project's `devenv up` (apps, then postgres), and a server a killed `up` left behind. */
export default async function down(): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const supervisor = await stopSupervisor(project);
  if (supervisor) out.info(`stopped devenv up (pid ${supervisor})`);
  const server = findRunningServer(project);
  if (server) {
    await stopServer(server);
    out.info(`stopped postgres (pid ${server})`);
  }
  if (!supervisor && !server) out.info('nothing is running for this project');
  return 0;
}
