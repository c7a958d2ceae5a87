import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { openProject } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { terminalOutput } from '../util/output.js';

/** Run postgres.setup again, now (with the running server or a temporary one). */
export default async function setup(): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  if (!project.config.postgres.setup?.length) {
    out.info('nothing to run: devenv.json has no postgres.setup');
    return 0;
  }
  const { pg } = await ensureCluster(preparePostgres(project, checkNoInterruptedSwap), project, out);
  await withSessionServer(pg, project, out, (running) => provision(pg, running, out, { setup: 'always' }));
  out.info('setup complete');
  return 0;
}
