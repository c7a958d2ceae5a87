import { UserError } from '../errors.js';
import { findPsql } from '../postgres/binaries.js';
import { ensureCluster, ensureServer, preparePostgres } from '../postgres/prepare.js';
import { joinSessions, leaveSessions, markSessionServer } from '../postgres/session-server.js';
import { openProject } from '../project/project.js';
import { runForeground } from '../util/foreground.js';
import { terminalOutput } from '../util/output.js';

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
      'psql (the PostgreSQL client) is not installed; ' +
        'install it (apt-get install postgresql-client / brew install libpq) and run again',
    );
  }
  await ensureCluster(pg, out);
  joinSessions(project);
  try {
    // Detached: the terminal's Ctrl-C goes to psql, never to our temporary server.
    const server = await ensureServer(pg, out, { output: 'file', detached: true });
    if (server.handle) {
      markSessionServer(project, server.pid);
      // Another session may outlive us and stop it later: don't let its handle keep us running.
      server.handle.child?.unref();
    }
    return await runForeground(client, args, { ...process.env, ...project.env });
  } finally {
    await leaveSessions(project);
  }
}
