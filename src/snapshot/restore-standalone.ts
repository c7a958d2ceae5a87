import { ensureServer, type PreparedPostgres, serverSpec } from '../postgres/prepare.js';
import { findRunningServer, stopServer } from '../postgres/server.js';
import {
  claimServer,
  liveSessions,
  markedSessionServer,
  markSessionServer,
  withServerLock,
} from '../postgres/shared-server.js';
import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import type { ServerUsers } from './restore.js';

/**
 * The server when no `devenv up` runs: one that psql sessions (or `exec`) share, or one a killed `up`
 * left. Under the server lock, so no session joins or leaves meanwhile: it is stopped (a fast shutdown:
 * open sessions lose their connection; an interactive psql reconnects on its next command), the swap
 * runs, and it is started again on the restored files. A session server stays one, so the last session
 * still stops it; if none is left, it stays stopped.
 */
export function standaloneServer(
  pg: PreparedPostgres,
  project: Project,
  out: Output,
  /** The binaries to start it with once `swap` has run (another major's, when it brought one). */
  after: () => PreparedPostgres = () => pg,
): ServerUsers & { readonly stoppedPid: number | null; readonly restartedPid: number | null } {
  let stoppedPid: number | null = null;
  let restartedPid: number | null = null;
  return {
    get stoppedPid() {
      return stoppedPid;
    },
    get restartedPid() {
      return restartedPid;
    },
    around<T>(swap: () => Promise<T>): Promise<T> {
      const { paths } = project;
      return withServerLock(paths, async () => {
        const pid = findRunningServer(paths.pgdata);
        const wasSessionServer = pid !== null && markedSessionServer(paths) === pid;
        const restart = async (on: PreparedPostgres) => {
          if (wasSessionServer && liveSessions(paths).length === 0) {
            claimServer(paths); // nobody left to stop it: the marker goes, the server stays stopped
            return;
          }
          const server = await ensureServer(on, serverSpec(project), out, { detached: true });
          // It outlives this command, like a server psql starts.
          server.handle?.child?.unref();
          restartedPid = server.pid;
          if (wasSessionServer) markSessionServer(paths, server.pid);
        };
        if (pid) {
          await stopServer(pid);
          stoppedPid = pid;
        }
        let result: T;
        try {
          result = await swap();
        } catch (err) {
          // Nothing was swapped (or a journal stops any start until the swap is finished): as it was.
          if (pid) await restart(pg).catch(() => undefined);
          throw err;
        }
        if (pid) await restart(after());
        return result;
      });
    },
  };
}
