import { UserError } from '../errors.js';
import { findPsql } from '../postgres/binaries.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { childEnvironment } from '../project/child-env.js';
import { openProject } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { runForeground } from '../util/foreground.js';
import { terminalOutput } from '../util/output.js';

/**
 * psql into the project database, as the superuser (`--as-app`: as postgres.role, like the app).
 * Uses a running server (e.g. from `devenv up`); otherwise starts one, shared with other psql
 * sessions, and the last session to end stops it.
 */
export default async function psql(args: string[]): Promise<number> {
  const asApp = args[0] === '--as-app';
  const psqlArgs = asApp ? args.slice(1) : args;
  const out = terminalOutput();
  const project = openProject(process.cwd());
  if (asApp && !project.config.postgres.role) {
    throw new UserError('--as-app connects as postgres.role, and devenv.json names none');
  }
  const pg = preparePostgres(project, checkNoInterruptedSwap);
  const client = findPsql(pg.binaries.bindir);
  if (!client) {
    throw new UserError(
      'psql (the PostgreSQL client) is not installed; install it (apt-get install postgresql-client / brew install ' +
        'libpq) and run again',
    );
  }
  await ensureCluster(pg, project, out);
  return withSessionServer(pg, project, out, async (running) => {
    // The role and databases must exist; the setup is left alone, so psql still helps fix a broken one.
    await provision(pg, running, out, { setup: 'never' });
    const env = childEnvironment(running, { dotenv: false, extra: asApp ? {} : { PGUSER: running.superuser } });
    return runForeground(client, psqlArgs, env);
  });
}
