import { findRunningServer, stopServer } from '../postgres/server.js';
import { stopOrphanedSessionServer } from '../postgres/shared-server.js';
import { stopRunningUp } from '../up/stop-up.js';
import { terminalOutput } from '../util/output.js';
import { trace } from '../util/trace.js';
import { openRunningProject } from './running-project.js';

/** Stop this project's `devenv up` (apps, then postgres), and a server a killed `up` left behind. */
export default async function down(): Promise<number> {
  const out = terminalOutput();
  const { project } = openRunningProject(process.cwd(), 'stopping what runs', out.notice);
  const up = await stopRunningUp(project.paths);
  if (up) out.info(`stopped devenv up (pid ${up})`);
  trace('devenv up gone');
  const orphan = await stopOrphanedSessionServer(project.paths, out.info);
  const server = findRunningServer(project.paths.pgdata);
  if (server) {
    await stopServer(server);
    out.info(`stopped postgres (pid ${server})`);
  }
  if (!up && !server && !orphan) out.info('nothing is running for this project');
  return 0;
}
