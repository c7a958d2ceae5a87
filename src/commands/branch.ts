import { UserError } from '../errors.js';
import { dropBranchDatabase, dropsDatabase, listBranchDatabases } from '../postgres/branch-database.js';
import { inspectDataDir, requireCluster } from '../postgres/cluster.js';
import { preparePostgres } from '../postgres/prepare.js';
import { withSessionServer } from '../postgres/shared-server.js';
import { readBranchRecords } from '../project/branches.js';
import { gitBranchExists } from '../project/git-branch.js';
import { clientDatabase, openProject, type Project } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { terminalOutput } from '../util/output.js';
import { stdout } from '../util/terminal.js';
import { formatBytes, formatLocalTime, formatTable } from '../util/text.js';

function where(project: Project): string {
  if (project.config.postgres.branches !== 'git') return 'postgres.branches is off in devenv.json';
  if (!project.branch) return 'postgres.branches is "git", but the project is not in a git repository';
  const db = clientDatabase(project);
  return project.branch.name
    ? `on git branch "${project.branch.name}": database "${db}"`
    : `on the default branch (or a detached HEAD): database "${db}"`;
}

/** `devenv branch list`: the databases made for git branches (postgres.branches "git"). */
export async function list(opts: { json?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  // Branch databases live in the cluster: without one there are none.
  requireCluster(project.paths.pgdata, inspectDataDir(project.paths));
  const all = readBranchRecords(project.paths).length
    ? await withSessionServer(preparePostgres(project, checkNoInterruptedSwap), project, out, (running) =>
        listBranchDatabases(running),
      )
    : [];
  const current = clientDatabase(project);
  const rows = all.map((b) => ({
    ...b,
    current: b.database === current,
    gitBranchExists: gitBranchExists(project.root, b.branch),
  }));
  if (opts.json) {
    stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  out.info(where(project));
  if (rows.length === 0) {
    out.info('no branch databases yet');
    return 0;
  }
  const table = [
    ['', 'BRANCH', 'DATABASE', 'SIZE', 'MADE'],
    ...rows.map((r) => [
      r.current ? '*' : '',
      r.branch + (r.gitBranchExists ? '' : ' (deleted in git)'),
      r.database,
      r.bytes === null ? 'missing' : formatBytes(r.bytes),
      formatLocalTime(r.createdAt),
    ]),
  ];
  stdout.write(formatTable(table));
  return 0;
}

/** `devenv branch rm NAME`: drop the database of a git branch (by branch or database name). */
export async function rm(name: string): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd());
  requireCluster(project.paths.pgdata, inspectDataDir(project.paths));
  const record = readBranchRecords(project.paths).find((r) => r.branch === name || r.database === name);
  if (!record) {
    throw new UserError(`no branch database for "${name}"; \`devenv branch list\` shows them`);
  }
  if (record.database === clientDatabase(project)) {
    throw new UserError(
      `"${record.branch}" is the branch checked out here, and its database is in use; switch to another branch first`,
    );
  }
  const pg = preparePostgres(project, checkNoInterruptedSwap);
  if (!dropsDatabase(project, record)) {
    // Only the record goes: its database is one devenv did not make, or one devenv.json names.
    await dropBranchDatabase(project, record, pg.fs);
    const why = record.adopted ? 'devenv did not create it' : 'devenv.json names it';
    out.info(`forgot git branch "${record.branch}"; its database "${record.database}" stays (${why})`);
    return 0;
  }
  await withSessionServer(pg, project, out, (running) => dropBranchDatabase(running, record, pg.fs));
  out.info(`removed database "${record.database}" of git branch "${record.branch}"`);
  return 0;
}
