import kleur from 'kleur';
import { UserError } from '../errors.js';
import { inspectDataDir, requireCluster } from '../postgres/cluster.js';
import { openClusterFs } from '../postgres/cluster-fs.js';
import { type PreparedPostgres, preparePostgres } from '../postgres/prepare.js';
import { findRunningServer } from '../postgres/server.js';
import { openProject, type Project } from '../project/project.js';
import { findSnapshot, listSnapshots, type SnapshotEntry } from '../snapshot/catalog.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { removeSnapshot, tidySnapshots } from '../snapshot/remove.js';
import { checkRestorable, checkSnapshotData, restoreSnapshot } from '../snapshot/restore.js';
import { standaloneServer } from '../snapshot/restore-standalone.js';
import { saveSnapshot } from '../snapshot/save.js';
import { leftoversIn } from '../snapshot/session.js';
import { UpControl } from '../up/control-client.js';
import { upServerUsers } from '../up/restore-under-up.js';
import { readLiveState } from '../up/state.js';
import { type OtherMajor, prepareOtherMajor } from '../upgrade/snapshot-major.js';
import { confirm } from '../util/confirm.js';
import { type Output, seconds, terminalOutput } from '../util/output.js';
import { stdout } from '../util/terminal.js';
import { formatBytes, formatLocalTime, formatTable } from '../util/text.js';
import { openRunningProject } from './running-project.js';

/** Snapshots live inside the cluster directory: without one there are none. */
function existingCluster(project: Project): void {
  requireCluster(project.paths.pgdata, inspectDataDir(project.paths));
}

export async function save(name: string | undefined): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const t0 = performance.now();
  const { manifest, backupMs, checkpointMs } = await saveSnapshot(
    preparePostgres(project, checkNoInterruptedSwap),
    project,
    name,
    out,
  );
  const how = manifest.copy === 'reflink' ? 'reflink copy' : 'plain copy';
  const server =
    backupMs === null
      ? 'the server was not running'
      : `the server kept running, in backup mode for ${seconds(backupMs)} ` +
        `(checkpoint ${seconds(checkpointMs ?? 0)}), never paused`;
  out.info(
    `${kleur.green('saved')} snapshot "${manifest.name}" ` +
      `(${formatBytes(manifest.bytes)}, PostgreSQL ${manifest.serverVersion}, ${how}) ` +
      `in ${seconds(performance.now() - t0)}; ${server}`,
  );
  return 0;
}

export async function restore(name: string, opts: { yes?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const state = requireCluster(project.paths.pgdata, inspectDataDir(project.paths));
  const entry: SnapshotEntry = findSnapshot(project.paths, name);
  checkSnapshotData(entry);
  // A snapshot of another major (an upgrade's, to go back): the cluster runs that major again.
  const other =
    entry.major === state.pgMajor
      ? null
      : prepareOtherMajor(project, state, entry, checkNoInterruptedSwap, { step: out.step, info: out.info });
  const pg = other?.pg ?? preparePostgres(project, checkNoInterruptedSwap);
  if (!other) checkRestorable(pg, entry);
  const upState = readLiveState(project.paths);
  const running = findRunningServer(project.paths.pgdata);
  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      throw new UserError(
        "refusing to replace the cluster's data without confirmation; " +
          `run \`devenv snapshot restore ${entry.name} --yes\``,
      );
    }
    const restarts = upState
      ? `; devenv up (pid ${upState.pid}) stops its apps and postgres and starts them again`
      : running
        ? '; the running server restarts and open sessions are disconnected'
        : '';
    const major = other ? ` (the cluster goes back to PostgreSQL ${entry.major})` : '';
    const question =
      `Replace all databases in ${project.paths.pgdata} with snapshot "${entry.name}" ` +
      `(${formatLocalTime(entry.createdAt)})${major}? Changes made since are lost${restarts}. [y/N] `;
    if (!(await confirm(question))) {
      out.info('nothing restored');
      return 1;
    }
  }
  const t0 = performance.now();
  const { fromReadyCopy, server } = await swapIn(pg, project, entry, upState !== null, out, other);
  out.info(
    `${kleur.green('restored')} snapshot "${entry.name}" ` +
      `(${formatLocalTime(entry.createdAt)}, ${formatBytes(entry.bytes)}) ` +
      `in ${seconds(performance.now() - t0)}${fromReadyCopy ? ' from its ready copy' : ''}; ${server}`,
  );
  return 0;
}

/** Restore around whatever uses the server: a running `devenv up` (apps and postgres), or the server alone. */
async function swapIn(
  pg: PreparedPostgres,
  project: Project,
  entry: SnapshotEntry,
  upRuns: boolean,
  out: Output,
  other: OtherMajor | null,
): Promise<{ fromReadyCopy: boolean; server: string }> {
  const up = upRuns ? await UpControl.connect(project.paths, 'snapshot restore') : null;
  if (up) {
    try {
      const users = upServerUsers(up, project.paths);
      const { downMs, fromReadyCopy } = await restoreSnapshot(pg, project.paths, entry, users, out, other?.marker);
      return {
        fromReadyCopy,
        server: `devenv up (pid ${up.pid}) had its apps and postgres down for ${seconds(downMs)}; they run again`,
      };
    } finally {
      up.close();
    }
  }
  const users = standaloneServer(pg, project, out, () => other?.after ?? pg);
  const { downMs, fromReadyCopy } = await restoreSnapshot(pg, project.paths, entry, users, out, other?.marker);
  const server = users.restartedPid
    ? `postgres was down for ${seconds(downMs)} and runs again`
    : users.stoppedPid
      ? 'postgres was stopped (the psql sessions that used it have ended)'
      : 'postgres was not running (it starts on the restored files next time)';
  return { fromReadyCopy, server };
}

export async function list(opts: { json?: boolean }): Promise<number> {
  const out = terminalOutput();
  const { project } = openRunningProject(process.cwd(), 'listing the snapshots', out.notice);
  existingCluster(project);
  if (leftoversIn(project.paths)) await tidySnapshots(project.paths, openClusterFs(project), out);
  const all = listSnapshots(project.paths);
  if (opts.json) {
    const rows = all.map(({ dir, format, ...m }) => ({ ...m, path: dir }));
    stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (!all.length) {
    out.info('no snapshots yet; make one with `devenv snapshot save [NAME]`');
    return 0;
  }
  const rows = [
    ['NAME', 'TAKEN', 'SIZE', 'POSTGRESQL'],
    ...all.map((s) => [s.name, formatLocalTime(s.createdAt), formatBytes(s.bytes), `${s.major} (${s.serverVersion})`]),
  ];
  stdout.write(formatTable(rows));
  return 0;
}

export async function rm(name: string): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  existingCluster(project);
  const entry = findSnapshot(project.paths, name);
  await removeSnapshot(project.paths, openClusterFs(project), entry, out);
  out.info(`${kleur.red('removed')} snapshot "${entry.name}" (${formatBytes(entry.bytes)})`);
  return 0;
}
