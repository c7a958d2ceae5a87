import { findRunningServer, stopServer } from '../postgres/server.js';
import { openProject } from '../project/project.js';
import { stopRunningUp } from '../up/stop-up.js';
import { terminalOutput } from '../util/output.js';
import { trace } from '../util/trace.js';

/** Stop this project's `devenv up` (apps, then postgres), and a server a killed `up` left behind. */
export default async function down(): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const up = await stopRunningUp(project.paths);
  if (up) out.info(`stopped devenv up (pid ${up})`);
  trace('devenv up gone');
  const server = findRunningServer(project.paths.pgdata);
  if (server) {
    await stopServer(server);
    out.info(`stopped postgres (pid ${server})`);
  }
  if (!up && !server) out.info('nothing is running for this project');
  return 0;
}
