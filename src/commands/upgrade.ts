import { existsSync } from 'node:fs';
import path from 'node:path';
import kleur from 'kleur';
import { UserError } from '../errors.js';
import type { Binaries } from '../postgres/binaries.js';
import { dataDirMajor, inspectDataDir, requireCluster } from '../postgres/cluster.js';
import { prepareWith, projectBinariesOf } from '../postgres/prepare.js';
import type { ProjectPaths } from '../project/paths.js';
import type { WantedVersion } from '../project/postgres-version.js';
import { openProject, type Project } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { defaultName, SWAP_JOURNAL, snapshotsDir } from '../snapshot/layout.js';
import { standaloneServer } from '../snapshot/restore-standalone.js';
import { UpControl } from '../up/control-client.js';
import { upServerUsers } from '../up/restore-under-up.js';
import { readLiveState } from '../up/state.js';
import { inventorySize } from '../upgrade/inventory.js';
import { oldBinaries } from '../upgrade/old-binaries.js';
import { chooseRoute, routeText } from '../upgrade/route.js';
import { upgradeTarget } from '../upgrade/target.js';
import { upgradeCluster } from '../upgrade/upgrade-cluster.js';
import { type Output, seconds, terminalOutput } from '../util/output.js';

/** What the project runs once the cluster is of `want`; one line when its pinned bin directory is another major. */
function targetBinaries(project: Project, want: WantedVersion, out: Output): Binaries {
  const pinned = process.env.PGRES_BINDIR
    ? 'PGRES_BINDIR'
    : project.config.postgres.binaries?.startsWith('/')
      ? 'postgres.binaries'
      : null;
  try {
    return projectBinariesOf(project, want, { step: out.step, info: out.info });
  } catch (err) {
    if (!(err instanceof UserError) || !pinned) throw err;
    throw new UserError(
      `${pinned} names a bin directory of another PostgreSQL; point it at PostgreSQL ${want.major}'s (or remove it) ` +
        `to upgrade to ${want.major}`,
    );
  }
}

/** An upgrade that failed, in one line that says where the cluster stands: as it was, half swapped, or new. */
function failure(err: UserError, paths: ProjectPaths, from: number, to: number, snapshot: string): UserError {
  if (existsSync(path.join(snapshotsDir(paths), SWAP_JOURNAL))) {
    return new UserError(
      `the swap to the PostgreSQL ${to} cluster stopped midway (${err.message}); \`devenv snapshot list\` finishes it`,
    );
  }
  // After the swap (a server that does not start on the new cluster) the old one is the snapshot.
  if (dataDirMajor(paths.pgdata) === to) {
    return new UserError(
      `the cluster is PostgreSQL ${to} now, but ${err.message}; snapshot "${snapshot}" keeps the PostgreSQL ${from} ` +
        'cluster',
    );
  }
  return new UserError(
    `the upgrade to PostgreSQL ${to} failed: ${err.message}; the PostgreSQL ${from} cluster is as it was`,
  );
}

export default async function upgrade(opts: { to?: string }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const { paths } = project;
  const state = requireCluster(paths.pgdata, inspectDataDir(paths));
  const from = state.pgMajor;
  const target = upgradeTarget(project, from, opts.to);
  if ('nothing' in target) {
    out.info(target.nothing);
    return 0;
  }
  // Everything that can refuse comes before anything is changed (the snapshot is the first change).
  const fetch = { step: out.step, info: out.info };
  const pg = prepareWith(project, checkNoInterruptedSwap, oldBinaries(project, from, fetch));
  const to = targetBinaries(project, target.want, out);
  const route = chooseRoute(pg.binaries, to.major);
  const t0 = performance.now();
  const name = `pre-upgrade-${from}-to-${to.major}-${defaultName()}`;
  const up = readLiveState(paths) ? await UpControl.connect(paths, 'upgrade') : null;
  const standalone = up ? null : standaloneServer(pg, project, out, () => prepareWith(project, pg.guard, to));
  let downMs: number;
  let checked: string;
  let clone: boolean;
  try {
    const users = up ? upServerUsers(up, paths) : standalone!;
    const outcome = await upgradeCluster({ pg, project, target: to, route, snapshot: name, users, out });
    downMs = outcome.downMs;
    clone = outcome.clone;
    checked = inventorySize(outcome.inventory);
  } catch (err) {
    throw err instanceof UserError ? failure(err, paths, from, to.major, name) : err;
  } finally {
    up?.close();
  }
  const server = up
    ? `devenv up (pid ${up.pid}) had its apps and postgres down for ${seconds(downMs)}; they run again`
    : standalone!.restartedPid
      ? `postgres was down for ${seconds(downMs)} and runs again`
      : 'postgres was not running (it starts on the new cluster next time)';
  out.info(
    `${kleur.green('upgraded')} the cluster from PostgreSQL ${pg.binaries.version} to ${to.version} ` +
      `(${routeText(route, clone)}; checked ${checked}) in ${seconds(performance.now() - t0)}; ${server}`,
  );
  out.info(
    `snapshot "${name}" keeps the PostgreSQL ${from} cluster: \`devenv snapshot restore ${name}\` brings it back` +
      `${project.config.postgres.version ? ` (with postgres.version set to "${from}")` : ''}`,
  );
  return 0;
}
