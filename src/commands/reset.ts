import { lstatSync } from 'node:fs';
import kleur from 'kleur';
import { errnoCode, UserError } from '../errors.js';
import { inspectDataDir } from '../postgres/cluster.js';
import { openClusterFs } from '../postgres/cluster-fs.js';
import { findRunningServer, stopServer } from '../postgres/server.js';
import { removeSocketDir } from '../postgres/socket-dir.js';
import { CLUSTER_BUILD_PREFIX } from '../project/paths.js';
import { openProject, type Project } from '../project/project.js';
import { stopRunningUp } from '../up/stop-up.js';
import { moveAsideAndDelete } from '../util/background-delete.js';
import { confirm } from '../util/confirm.js';
import { terminalOutput } from '../util/output.js';
import { removeTree } from '../util/remove-tree.js';
import { trace } from '../util/trace.js';

/**
 * Stop everything on this cluster, then delete .pgres (never through a symlink), the short socket dir and,
 * as root, devenv's private directory for the project.
 */
export default async function reset(opts: { yes?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project: Project = openProject(process.cwd());
  const { pgdata } = project.paths;
  let exists = true;
  try {
    if (lstatSync(pgdata).isSymbolicLink()) {
      throw new UserError(
        `${pgdata} is a symlink; devenv will not delete through it. Remove the link yourself if you mean to`,
      );
    }
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    exists = false;
  }
  // Refuses a foreign .pgres (not ours to delete) with a clear message.
  if (exists) inspectDataDir(project.paths);
  if (exists && !opts.yes) {
    if (!process.stdin.isTTY)
      throw new UserError(`refusing to delete ${pgdata} without confirmation; run \`devenv reset --yes\``);
    if (!(await confirm(`Delete ${pgdata} and all its data (database "${project.database}")? [y/N] `))) {
      out.info('nothing deleted');
      return 1;
    }
  }
  await stopRunningUp(project.paths);
  trace('nothing running');
  const fs = openClusterFs(project);
  const pid = exists ? findRunningServer(pgdata) : null;
  if (pid) {
    await stopServer(pid);
    out.info(`stopped postgres (pid ${pid})`);
  }
  if (exists) {
    // Moved aside first (an interrupted delete leaves a build dir the next init cleans up, never a half
    // .pgres), then deleted in the background; as root the account empties it (see removeTree).
    await moveAsideAndDelete(pgdata, CLUSTER_BUILD_PREFIX);
    trace('cluster moved aside');
  }
  // As root: the logs and state devenv kept for this project in root's private directory.
  if (project.paths.runtimeIsPrivate) removeTree(project.paths.runtime);
  const sock = removeSocketDir(project.paths, fs);
  out.info(
    exists
      ? `${kleur.red('deleted')} ${pgdata}${sock ? ` and ${project.paths.socketDir}` : ''}`
      : `nothing to delete: ${pgdata} does not exist`,
  );
  return 0;
}
