import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import type { ProjectPaths } from '../project/paths.js';
import { waitGone } from '../util/liveness.js';
import { SWAP_JOURNAL, snapshotsDir } from './layout.js';
import { SnapshotSession } from './session.js';
import { readJournal } from './swap.js';

/** A killed restore's file worker (root) finishes the rename it was in: this long at most. */
const WORKER_GRACE_MS = 5000;

/**
 * Roll forward the swap of a snapshot restore that was killed (interrupted-swap.ts), as any snapshot
 * command's tidy-up does: for a running `devenv up` whose restore went away with postgres stopped.
 * Resolves true when it finished one, false when there was none; throws the one line when the restore's
 * processes still run (a later try finishes it).
 */
export async function finishInterruptedSwap(
  paths: ProjectPaths,
  fs: ClusterFs,
  say: (line: string) => void,
): Promise<boolean> {
  const file = path.join(snapshotsDir(paths), SWAP_JOURNAL);
  if (!existsSync(file)) return false;
  const journal = readJournal(file);
  for (const pid of journal ? [journal.owner, journal.worker] : []) {
    if (!(await waitGone(pid, WORKER_GRACE_MS))) {
      throw new UserError(`a snapshot restore (pid ${pid}) is still swapping the cluster files`);
    }
  }
  const session = await SnapshotSession.begin(paths, fs, 'restore', { info: say, notice: say, step: () => {} });
  await session.end();
  return !existsSync(file);
}
