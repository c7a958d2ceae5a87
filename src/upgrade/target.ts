// Which major `devenv upgrade` moves the cluster to: `--to`, else postgres.version, else the newest server
// already here (installed, the embedded package, or fetched earlier: nothing is downloaded unasked). The
// cluster must run what devenv.json says, so `--to` has to agree with postgres.version when that is set;
// devenv never rewrites devenv.json, it says what to change.
import { UserError } from '../errors.js';
import { installedServers } from '../postgres/binaries.js';
import { wantedVersion } from '../postgres/prepare.js';
import { normalizeVersion, parseVersion, versionText, type WantedVersion } from '../project/postgres-version.js';
import type { Project } from '../project/project.js';

/** A target, or a line saying there is nothing to do. */
export type Target = { want: WantedVersion } | { nothing: string };

function parseTo(to: string): WantedVersion {
  const text = normalizeVersion(to);
  const want = text === null ? null : parseVersion(text);
  if (!want) throw new UserError(`--to takes a PostgreSQL major (e.g. 17) or an exact version (17.2), not "${to}"`);
  return want;
}

export function upgradeTarget(project: Project, from: number, to: string | undefined): Target {
  const asked = to === undefined ? undefined : parseTo(to);
  const configured = wantedVersion(project);
  if (asked && configured && asked.major !== configured.major) {
    throw new UserError(
      `devenv.json says postgres.version ${versionText(configured)}: set it to "${versionText(asked)}" and run ` +
        '`devenv upgrade` (the cluster runs what devenv.json says)',
    );
  }
  const want = asked ?? configured ?? newestHere(project, from);
  if (want.major === from) {
    const why = asked ? '' : configured ? ' (postgres.version)' : ', the newest PostgreSQL found here';
    const more = asked || configured ? '' : '; `devenv upgrade --to N` moves it to another (fetched if not installed)';
    return { nothing: `the cluster already runs PostgreSQL ${from}${why}; nothing to upgrade${more}` };
  }
  if (want.major < from) {
    throw new UserError(
      `devenv upgrade moves a cluster to a newer major only, not from PostgreSQL ${from} to ${want.major}; ` +
        'the snapshot an upgrade saved brings the older cluster back (`devenv snapshot list`, then ' +
        '`devenv snapshot restore NAME`)',
    );
  }
  return { want };
}

/** The newest major among the servers already here (postgres.binaries' scope), not older than the cluster's. */
function newestHere(project: Project, from: number): WantedVersion {
  const majors = installedServers({ configured: project.config.postgres.binaries }).map((b) => b.major);
  return { major: Math.max(from, ...majors) };
}
