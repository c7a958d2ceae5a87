import type { PreparedPostgres } from '../postgres/prepare.js';
import { findRunningServer, startServer, stopServer } from '../postgres/server.js';
import { claimServer, liveSessions, markedSessionServer, markSessionServer } from '../postgres/session-server.js';
import type { ServerUsers } from './restore.js';

/**
 * The server when no `devenv up` runs: one that psql sessions share, or one a killed `up` left. It is
 * stopped (a fast shutdown: open sessions lose their connection; an interactive psql reconnects on its
 * next command) and started again on the restored files. A session server stays one, so the last psql
 * session still stops it; if every session ended meanwhile, it stays stopped.
 */
export function standaloneServer(pg: PreparedPostgres): ServerUsers & {
  readonly stoppedPid: number | null;
  readonly restartedPid: number | null;
} {
  let stoppedPid: number | null = null;
  let restartedPid: number | null = null;
  let wasSessionServer = false;
  return {
    get stoppedPid() {
      return stoppedPid;
    },
    get restartedPid() {
      return restartedPid;
    },
    async stop() {
      const pid = findRunningServer(pg.project);
      if (!pid) return;
      wasSessionServer = markedSessionServer(pg.project) === pid;
      await stopServer(pid);
      stoppedPid = pid;
    },
    async restart() {
      if (!stoppedPid || (wasSessionServer && liveSessions(pg.project).length === 0)) return;
      const handle = await startServer(pg.project, pg.binaries, pg.account, { output: 'file', detached: true });
      // It outlives this command, like a server psql starts.
      handle.child?.unref();
      restartedPid = handle.pid;
      if (!wasSessionServer) return;
      markSessionServer(pg.project, handle.pid);
      // A session leaves by unregistering, then stopping the marked server if it was the last: checking
      // after marking means either it sees our server or we see that nobody is left.
      if (liveSessions(pg.project).length === 0) {
        await stopServer(handle.pid);
        claimServer(pg.project);
        restartedPid = null;
      }
    },
  };
}
