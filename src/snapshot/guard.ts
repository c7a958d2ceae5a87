import type { Account } from '../postgres/privileges.js';
import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import { readLock } from './file-ops.js';
import { snapshotsDir } from './layout.js';
import { leftoversIn, SnapshotSession } from './session.js';

/**
 * Before devenv starts a server on this cluster (under the server lock, which a restore also holds
 * while it swaps the files): finish a restore that was killed mid-swap, so postgres never starts on
 * half a cluster, and remove work dirs of killed snapshot commands. Costs a directory read when
 * there is nothing to do.
 */
export async function finishSnapshotWork(project: Project, account: Account | null, out: Output): Promise<void> {
  // Our own restore starting the server again: its work is not a leftover.
  if (readLock(snapshotsDir(project.paths))?.pid === process.pid) return;
  if (!leftoversIn(project.paths)) return;
  try {
    const session = await SnapshotSession.begin(project.paths, account, 'tidy', out);
    await session.end();
  } catch (err) {
    // Another snapshot command holds the lock: it tidies up itself.
    out.notice(`could not tidy up after an interrupted snapshot command: ${(err as Error).message}`);
  }
}
