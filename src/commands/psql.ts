import { UserError } from '../errors.js';
import { psqlClient } from '../postgres/binaries.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { withSessionServer } from '../postgres/session-server.js';
import { clientEnvironment, openProject } from '../project/project.js';
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
  const pg = preparePostgres(project);
  const client = opts.builtin ? ({ kind: 'builtin' } as const) : psqlClient(pg.binaries.bindir);
  await ensureCluster(pg, out);
  return withSessionServer(pg, out, async () => {
    // The role and databases must exist; the setup is left alone, so psql still helps fix a broken one.
    await provision(pg, out, { setup: 'never' });
    const env = clientEnvironment(pg.project);
    if (!asApp) env.PGUSER = pg.project.superuser;
    if (client.kind === 'system') return runForeground(client.path, psqlArgs, { ...process.env, ...env });
    // Loaded only here: no other command pays for the shell.
    const { runSqlShell } = await import('../sql-shell/sql-shell.js');
    return runSqlShell(psqlArgs, { ...process.env, ...env });
  });
}
