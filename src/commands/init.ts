import path from 'node:path';
import kleur from 'kleur';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision, provisionNeeded } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { ignoreDataDir } from '../project/gitignore.js';
import { openProject } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { seconds, terminalOutput } from '../util/output.js';

export default async function init(): Promise<number> {
  const out = terminalOutput();
  const started = performance.now();
  const project = openProject(process.cwd(), { create: true });
  const where = path.relative(process.cwd(), project.paths.pgdata) || project.paths.pgdata;
  const result = await ensureCluster(preparePostgres(project, checkNoInterruptedSwap), project, out);
  const { pg } = result;
  if (ignoreDataDir(project.root)) out.info('added .pgres/ to .gitignore');
  if (result.created) {
    out.info(
      `${kleur.green('initialised')} PostgreSQL ${pg.binaries.version} cluster in ${where} ` +
        `(database "${project.database}", ${seconds(performance.now() - started)})`,
    );
  } else {
    const version = pg.state.state === 'ready' ? pg.state.info.version : pg.binaries.version;
    out.info(`already initialised: PostgreSQL ${version} cluster in ${where}`);
  }
  // Role, databases, extensions, TCP password, setup: on a server (the running one, or a temporary one).
  if (provisionNeeded(project)) {
    await withSessionServer(pg, project, out, (running) => provision(pg, running, out, { setup: 'if-needed' }));
  }
  return 0;
}
