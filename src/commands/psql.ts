import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { psqlClient } from '../postgres/psql-client.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { childEnvironment } from '../project/child-env.js';
import { openProject } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { runForeground } from '../util/foreground.js';
import { terminalOutput } from '../util/output.js';

/**
 * psql into the project database, as the superuser (`--as-app`: as postgres.role, like the app).
 * Uses a running server (e.g. from `devenv up`); otherwise starts one, shared with other psql
 * sessions, and the last session to end stops it. Without a psql client (the embedded PostgreSQL has
 * none), or with `--builtin`, the built-in SQL shell takes psql's place.
 */
export default async function psql(
  psqlArgs: string[],
  opts: { asApp?: boolean; builtin?: boolean } = {},
): Promise<number> {
  const asApp = Boolean(opts.asApp);
  const out = terminalOutput();
  const project = openProject(process.cwd());
  if (asApp && !project.config.postgres.role) {
    throw new UserError('--as-app connects as postgres.role, and devenv.json names none');
  }
  const pg = preparePostgres(project, checkNoInterruptedSwap);
  const client = opts.builtin ? ({ kind: 'builtin' } as const) : psqlClient(pg.binaries.bindir);
  await ensureCluster(pg, project, out);
  return withSessionServer(pg, project, out, async (running) => {
    // The role and databases must exist; the setup is left alone, so psql still helps fix a broken one.
    await provision(pg, running, out, { setup: 'never' });
    const env = childEnvironment(running, { dotenv: false, extra: asApp ? {} : { PGUSER: running.superuser } });
    if (client.kind === 'system') return runForeground(client.path, psqlArgs, env);
    // Loaded only here: no other command pays for the shell.
    const { runSqlShell } = await import('../sql-shell/sql-shell.js');
    return runSqlShell(psqlArgs, env);
  });
}
