import { existsSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import kleur from 'kleur';
import { UserError } from '../errors.js';
import { psqlClient } from '../postgres/binaries.js';
import { inspectDataDir } from '../postgres/cluster.js';
import { fetchedSummary } from '../postgres/fetched-store.js';
import { projectBinaries } from '../postgres/prepare.js';
import { pendingDatabases } from '../postgres/provision.js';
import { findRunningServer } from '../postgres/server.js';
import { stopOrphanedSessionServer } from '../postgres/shared-server.js';
import type { Project } from '../project/project.js';
import { TCP_HOST } from '../project/tcp.js';
import { type PublishedProcess, readLiveState } from '../up/state.js';
import { diskSpace, FULL_BELOW_BYTES } from '../util/disk-space.js';
import { terminalOutput } from '../util/output.js';
import { stdout } from '../util/terminal.js';
import { formatBytes } from '../util/text.js';
import { openRunningProject } from './running-project.js';

/** Bytes on disk under a directory (not following symlinks). */
function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    total += st.blocks !== undefined ? st.blocks * 512 : st.size;
    if (st.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(p);
      } catch {
        // unreadable (another owner): count what we can
      }
      for (const n of names) walk(path.join(p, n));
    }
  };
  walk(dir);
  return total;
}

function uptime(startedAt: string | null): string {
  if (!startedAt) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

type Report = ReturnType<typeof gather>;

/**
 * `running pid 7, ready, port 3000, restarts 0, uptime 5s`; a failing one says why:
 * `backoff, exited 1; restarting, port 3000, restarts 3, uptime -, last: exited with code 1: Error: FOO is not set`.
 */
function processLine(p: PublishedProcess): string {
  const pid = p.pid ? ` pid ${p.pid}` : '';
  // "waiting for migrate (exited 1)" says the state itself; otherwise after it: "running pid 7, ready".
  const ready = p.readiness?.text;
  const state =
    p.state === 'waiting' && ready ? ready : `${p.state}${pid}${ready && ready !== p.state ? `, ${ready}` : ''}`;
  const port = p.port ? `, port ${p.port}` : '';
  const exit = p.lastExit && p.state !== 'running' ? p.lastExit : null;
  const said = p.lastLine ? kleur.red(p.lastLine) : null;
  const last = exit || said ? `, last: ${[exit, said].filter(Boolean).join(': ')}` : '';
  return `${state}${port}, restarts ${p.restarts}, uptime ${uptime(p.startedAt)}${last}`;
}

export default async function status(opts: { json?: boolean }): Promise<number> {
  // A broken devenv.json is said in the report itself (its first row, or `configError`), not on stderr too.
  const { project, configError } = openRunningProject(process.cwd(), 'showing what runs', () => {});
  // What a killed psql or exec left running is said and stopped first: the report shows what runs for a reason.
  await stopOrphanedSessionServer(project.paths, terminalOutput().notice);
  const report = gather(project, configError);
  stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, project));
  return 0;
}

function gather(project: Project, configError: string | null) {
  const state = inspectDataDir(project.paths);
  const initialised = state.state === 'ready';
  let binaries: { bindir: string; version: string; source: string } | null = null;
  let binariesError: string | null = null;
  try {
    binaries = projectBinaries(project, state);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    binariesError = err.message;
  }
  const serverPid = initialised ? findRunningServer(project.paths.pgdata) : null;
  const up = initialised ? readLiveState(project.paths) : null;
  // Asked now, not published: on a full disk a running `up` cannot write what it would say.
  const space = diskSpace(existsSync(project.paths.pgdata) ? project.paths.pgdata : project.root);
  // Without devenv.json, what it would say (databases, role, TCP, setup) is not known: null.
  const known = configError === null;
  return {
    project: project.root,
    configError,
    initialised,
    dataDir: project.paths.pgdata,
    major: initialised ? state.pgMajor : null,
    clusterVersion: initialised ? state.info.version : null,
    binaries: binaries ? { bindir: binaries.bindir, version: binaries.version, source: binaries.source } : null,
    binariesError,
    fetched: fetchedSummary(),
    // What `devenv psql` runs: a psql installed here, or the built-in shell.
    client: psqlClient(binaries?.bindir ?? null),
    dataSizeBytes: initialised ? diskUsage(project.paths.pgdata) : 0,
    disk: space
      ? { mount: space.mount, freeBytes: space.free, totalBytes: space.total, full: space.free < FULL_BELOW_BYTES }
      : null,
    server: serverPid ? { state: 'running', pid: serverPid } : { state: 'stopped', pid: null },
    socketDir: project.paths.socketDir,
    database: known ? project.database : null,
    databases: known ? project.databases : [],
    // Named in devenv.json but not made yet (a rename, an addition): status must not present them as there.
    pendingDatabases: !known ? [] : initialised ? pendingDatabases(project) : [...project.databases],
    branch: known && project.branch ? { name: project.branch.name, database: project.branch.database } : null,
    user: project.superuser,
    role: project.config.postgres.role ?? null,
    databaseUrl: known ? project.env.DATABASE_URL : null,
    port: project.port,
    tcp: project.tcp
      ? {
          host: TCP_HOST,
          port: project.tcp.port,
          portPicked: project.tcp.picked,
          url: project.env.DATABASE_URL_TCP,
          passwordFile: project.paths.tcpPassword,
        }
      : null,
    setup:
      known && project.config.postgres.setup?.length
        ? existsSync(project.paths.setupDone)
          ? 'done'
          : 'pending'
        : null,
    // Named `supervisor` in the JSON since it first appeared: scripts read it.
    supervisor: up ? { pid: up.pid, detached: up.detached, phase: up.phase, startedAt: up.startedAt } : null,
    processes: (up?.processes ?? []) as PublishedProcess[],
  };
}

function render(r: Report, project: Project): string {
  const rows: string[] = [];
  const row = (k: string, v: string) => rows.push(`${kleur.dim(k.padEnd(12))}${v}\n`);
  row('project', r.project);
  if (r.configError) row('config', kleur.red(`${r.configError} (what runs is shown; fix it to change anything)`));
  row(
    'cluster',
    r.initialised
      ? `PostgreSQL ${r.clusterVersion} in ${r.dataDir} (${formatBytes(r.dataSizeBytes)})`
      : 'not initialised (run `devenv init` or `devenv up`)',
  );
  const b = r.binaries;
  row('binaries', b ? `${b.version} ${b.bindir} (${b.source})` : kleur.red(r.binariesError ?? 'none'));
  row(
    'client',
    r.client.kind === 'system'
      ? `psql ${r.client.path} (\`devenv psql\`)`
      : 'built-in SQL shell (no psql installed; `devenv psql` runs it)',
  );
  if (r.fetched.versions.length) {
    row('fetched', `PostgreSQL ${r.fetched.versions.join(', ')} in ${r.fetched.store} (\`devenv cache list\`)`);
  }
  row('server', r.server.pid ? kleur.green(`running (pid ${r.server.pid})`) : 'stopped');
  if (r.disk) {
    const full = r.disk.full ? kleur.red(' - full: postgres and the logs cannot write; free some space') : '';
    row('disk', `${formatBytes(r.disk.freeBytes)} free of ${formatBytes(r.disk.totalBytes)} on ${r.disk.mount}${full}`);
  }
  const short = project.paths.socketDirIsShort ? ' (short path: project path too long for a socket)' : '';
  row('socket', `${r.socketDir}${short}`);
  // A name in devenv.json is not a database until something made it: said, never shown as if it were there.
  const pending = (db: string) => r.pendingDatabases.includes(db);
  if (r.database) {
    const who = r.role ? `role ${r.role}; superuser ${r.user}` : `user ${r.user}`;
    const hint = kleur.yellow('not created yet: the next `devenv up`, `psql` or `exec` creates it');
    row('database', `${r.database} (${who}${pending(r.database) ? `; ${hint}` : ''})`);
  }
  if (r.databases.length > 1) {
    const marked = r.databases.map((db) => (pending(db) ? `${db} ${kleur.yellow('(not created yet)')}` : db));
    row('databases', marked.join(', '));
  }
  if (r.branch) {
    row(
      'branch',
      r.branch.name
        ? `git branch ${r.branch.name}: database ${r.branch.database} (a copy of ${r.database}; \`devenv branch list\`)`
        : `the default git branch: database ${r.database}`,
    );
  }
  if (project.tcp) {
    row(
      'tcp',
      `${TCP_HOST}:${project.tcp.port} (and ::1), user ${project.appUser}, ` +
        `password: \`devenv env --reveal\` or ${project.paths.tcpPassword}`,
    );
  }
  if (r.setup) row('setup', r.setup === 'done' ? 'done' : 'not run yet (runs at the next init, up or exec)');
  const up = r.supervisor;
  if (up) {
    row('up', `pid ${up.pid}${up.detached ? ' (background)' : ''}, ${up.phase}, since ${uptime(up.startedAt)}`);
    for (const p of r.processes) row(`  ${p.name}`, processLine(p));
  }
  return rows.join('');
}
