// The binaries that read the cluster being upgraded: of its major, whatever postgres.version says now (it
// may already name the new one). A bin directory that postgres.binaries or PGRES_BINDIR names is used when
// it is of that major; otherwise the usual places, fetching the old major if it is nowhere here.
import { type Binaries, findBinaries } from '../postgres/binaries.js';
import { type FetchOptions, fetchServer } from '../postgres/fetch-server.js';
import { fetchedBinaries } from '../postgres/fetched-store.js';
import type { Project } from '../project/project.js';

export function oldBinaries(project: Project, major: number, fetch: FetchOptions): Binaries {
  const configured = project.config.postgres.binaries;
  const pinned = process.env.PGRES_BINDIR || (configured?.startsWith('/') ? configured : null);
  if (pinned) {
    const b = findBinaries({ configured, preferMajor: major });
    if (b.major === major) return b;
  }
  const env = { ...process.env };
  delete env.PGRES_BINDIR;
  return findBinaries({
    configured: configured === 'system' || configured === 'embedded' ? configured : undefined,
    want: { major },
    env,
    fetch: (w) => fetchedBinaries(fetchServer(w, { ...fetch, env })),
  });
}
