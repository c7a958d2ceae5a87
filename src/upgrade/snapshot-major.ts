// Restoring a snapshot of another major than the cluster's (the one an upgrade saved, to go back): allowed
// when devenv.json does not contradict it (postgres.version unset, or naming the snapshot's major) and the
// binaries of that major are here or can be fetched. The cluster then runs that major again: the restore
// brings the cluster.json that says so, written with its swap.
import { UserError } from '../errors.js';
import type { Binaries } from '../postgres/binaries.js';
import type { ClusterInfo, DataDirState } from '../postgres/cluster.js';
import type { FetchOptions } from '../postgres/fetch-server.js';
import type { StartGuard } from '../postgres/prepare.js';
import { type PreparedPostgres, prepareWith, projectBinariesOf, wantedVersion } from '../postgres/prepare.js';
import { versionText } from '../project/postgres-version.js';
import type { Project } from '../project/project.js';
import type { SnapshotEntry } from '../snapshot/catalog.js';
import { oldBinaries } from './old-binaries.js';

export interface OtherMajor {
  /** The cluster as it is now (its server is stopped with these, and restarted with them if the restore fails). */
  pg: PreparedPostgres;
  /** The cluster once the snapshot is in. */
  after: PreparedPostgres;
  marker: { file: string; content: string };
}

export function prepareOtherMajor(
  project: Project,
  state: Extract<DataDirState, { state: 'ready' }>,
  entry: SnapshotEntry,
  guard: StartGuard,
  fetch: FetchOptions,
): OtherMajor {
  const configured = wantedVersion(project);
  if (configured && configured.major !== entry.major) {
    throw new UserError(
      `snapshot "${entry.name}" is of PostgreSQL ${entry.major} and devenv.json says postgres.version ` +
        `${versionText(configured)}: set it to "${entry.major}" first (the cluster runs what devenv.json says)`,
    );
  }
  let binaries: Binaries;
  try {
    binaries = projectBinariesOf(project, { major: entry.major }, fetch);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(
      `snapshot "${entry.name}" is of PostgreSQL ${entry.major} and this cluster of ${state.pgMajor}; restoring it ` +
        `needs PostgreSQL ${entry.major}: ${err.message}`,
    );
  }
  let current = binaries;
  try {
    current = oldBinaries(project, state.pgMajor, fetch);
  } catch {
    // Only a failed restore needs them (to start the server on the cluster as it was): it then stays stopped.
  }
  const pg: PreparedPostgres = { ...prepareWith(project, guard, current), state };
  const info: ClusterInfo = {
    ...state.info,
    major: entry.major,
    version: binaries.version,
    bindir: binaries.bindir,
    source: binaries.source,
  };
  return {
    pg,
    after: { ...pg, binaries, state: { state: 'ready', info, pgMajor: entry.major } },
    marker: { file: project.paths.marker, content: `${JSON.stringify(info, null, 2)}\n` },
  };
}
