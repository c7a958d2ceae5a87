import type { Account } from '../postgres/privileges.js';
import type { Project } from '../project/project.js';
import { processGone } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import { readLock } from './file-ops.js';
import { snapshotsDir } from './layout.js';
import { leftoversIn, SnapshotSession } from './session.js';

/** How long a server start waits for a snapshot command (an offline save of a big cluster takes a while). */
const WAIT_MS = 10 * 60 * 1000;

/**
 * Before devenv starts a server on this cluster: wait while a snapshot command holds it (a restore
 * swapping the files, a save copying a stopped cluster), and finish a restore that was killed mid-swap,
 * so postgres never starts on half a cluster. Costs one failed open when there are no snapshots.
 */
export async function settleSnapshotWork(project: Project, account: Account | null, out: Output): Promise<void> {
  const dir = snapshotsDir(project.paths);
  let holder = readLock(dir);
  if (holder && holder.pid !== process.pid && !processGone(holder.pid)) {
    out.notice(`waiting for \`devenv snapshot ${holder.op}\` (pid ${holder.pid}) to finish before starting postgres`);
    const until = Date.now() + WAIT_MS;
    while (holder && !processGone(holder.pid) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      holder = readLock(dir);
    }
  }
  if (leftoversIn(project.paths)) {
    try {
      const session = await SnapshotSession.begin(project.paths, account, 'tidy', out);
      await session.end();
    } catch (err) {
      // Another snapshot command just took the lock: it tidies up itself.
      out.notice(`could not tidy up after an interrupted snapshot command: ${(err as Error).message}`);
    }
  }
}
