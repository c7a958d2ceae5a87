// A snapshot restore while `devenv up` runs: through its control channel the apps stop first (gone
// before anything else happens), then postgres, under the server lock so that no psql session starts
// one on the files being swapped; after the swap postgres starts again (provisioned: the snapshot may
// predate a role, database or extension) and then the apps.
import { withServerLock } from '../postgres/shared-server.js';
import type { ProjectPaths } from '../project/paths.js';
import type { ServerUsers } from '../snapshot/restore.js';
import type { UpControl } from './control-client.js';

export function upServerUsers(up: UpControl, paths: ProjectPaths): ServerUsers {
  return {
    async around<T>(swap: () => Promise<T>): Promise<T> {
      await up.stopApps();
      let result: T;
      try {
        result = await withServerLock(paths, async () => {
          await up.stopPostgres();
          return swap();
        });
      } catch (err) {
        // The swap failed (its journal lets the next command finish it): bring back what we stopped.
        await up.startPostgres().catch(() => undefined);
        await up.startApps().catch(() => undefined);
        throw err;
      }
      await up.startPostgres();
      await up.startApps();
      return result;
    },
  };
}
