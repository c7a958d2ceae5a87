import { UserError } from '../errors.js';
import { findPsql } from '../postgres/binaries.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { withSessionServer } from '../postgres/session-server.js';
import { openProject } from '../project/project.js';
import { terminalOutput } from '../util/output.js';
import { runForeground } from './exec.js';

/**
 * psql into the project database. Uses a running server (e.g. from `devenv up`); otherwise
 * starts one, shared with other psql sessions, and the last session to end stops it.
 */
export default async function psql(args: string[]): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const pg = preparePostgres(project);
  const client = findPsql(pg.binaries.bindir);
  if (!client) {
    throw new UserError(
      'psql (the PostgreSQL client) is not installed; install it (apt-get install postgresql-client / brew install libpq) and run again',
    );
  }
  await ensureCluster(pg, out);
  return withSessionServer(pg, out, () => runForeground(client, args, { ...process.env, ...project.env }));
}
