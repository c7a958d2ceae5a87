import type { ClusterFs } from '../postgres/cluster-fs.js';
import type { ProjectPaths } from '../project/paths.js';
import type { Output } from '../util/output.js';
import type { SnapshotEntry } from './catalog.js';
import { SnapshotSession } from './session.js';

/** Delete a snapshot: renamed to a work dir first, so an interrupted delete never leaves half of one listed. */
export async function removeSnapshot(
  paths: ProjectPaths,
  fs: ClusterFs,
  entry: SnapshotEntry,
  out: Output,
): Promise<void> {
  const session = await SnapshotSession.begin(paths, fs, 'rm', out);
  try {
    await session.files.run('remove', { dir: session.dir, target: entry.dir });
    await session.tidy(out); // its ready copy, if any
  } finally {
    await session.end();
  }
}

/** Remove what killed snapshot commands left (list calls this when there is something). */
export async function tidySnapshots(paths: ProjectPaths, fs: ClusterFs, out: Output): Promise<void> {
  try {
    const session = await SnapshotSession.begin(paths, fs, 'list', out);
    await session.end();
  } catch {
    // A snapshot command runs right now: it tidies up itself.
  }
}
