import { existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import kleur from 'kleur';
import { UserError } from '../errors.js';
import { openProject } from '../project/project.js';
import { TCP_HOST } from '../project/tcp.js';
import { projectBinaries } from '../postgres/prepare.js';
import { inspectDataDir } from '../postgres/cluster.js';
import { findRunningServer } from '../postgres/server.js';
import { readLiveState, type ProcessStatus } from '../supervisor/state.js';

/** Bytes on disk under a directory (not following symlinks). */
function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st;
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

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
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

export default async function status(opts: { json?: boolean }): Promise<number> {
  const project = openProject(process.cwd());
  const state = inspectDataDir(project);
  const initialised = state.state === 'ready';
  let binaries: { bindir: string; version: string; source: string } | null = null;
  let binariesError: string | null = null;
  try {
    binaries = projectBinaries(project, state);
  } catch (err) {
    binariesError = err instanceof UserError ? err.message : String(err);
  }
  const serverPid = initialised ? findRunningServer(project) : null;
  const supervisor = initialised ? readLiveState(project) : null;
  const report = {
    project: project.root,
    initialised,
    dataDir: project.paths.pgdata,
    major: initialised ? state.pgMajor : null,
    clusterVersion: initialised ? state.info.version : null,
    binaries: binaries ? { bindir: binaries.bindir, version: binaries.version, source: binaries.source } : null,
    binariesError,
    dataSizeBytes: initialised ? diskUsage(project.paths.pgdata) : 0,
    server: serverPid ? { state: 'running', pid: serverPid } : { state: 'stopped', pid: null },
    socketDir: project.paths.socketDir,
    database: project.database,
    databases: project.databases,
    user: project.superuser,
    role: project.config.postgres.role ?? null,
    databaseUrl: project.env.DATABASE_URL,
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
    setup: project.config.postgres.setup?.length ? (existsSync(project.paths.setupDone) ? 'done' : 'pending') : null,
    supervisor: supervisor
      ? { pid: supervisor.pid, detached: supervisor.detached, phase: supervisor.phase, startedAt: supervisor.startedAt }
      : null,
    processes: (supervisor?.processes ?? []) as ProcessStatus[],
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const row = (k: string, v: string) => process.stdout.write(`${kleur.dim(k.padEnd(12))}${v}\n`);
  row('project', project.root);
  row(
    'cluster',
    initialised
      ? `PostgreSQL ${report.clusterVersion} in ${project.paths.pgdata} (${mib(report.dataSizeBytes)})`
      : 'not initialised (run `devenv init` or `devenv up`)',
  );
  row(
    'binaries',
    binaries ? `${binaries.version} ${binaries.bindir} (${binaries.source})` : kleur.red(binariesError ?? 'none'),
  );
  row('server', serverPid ? kleur.green(`running (pid ${serverPid})`) : 'stopped');
  row(
    'socket',
    project.paths.socketDir +
      (project.paths.socketDirIsShort ? ' (short path: project path too long for a socket)' : ''),
  );
  const role = project.config.postgres.role;
  row(
    'database',
    `${project.database} (${role ? `role ${role}; superuser ${project.superuser}` : `user ${project.superuser}`})`,
  );
  if (project.databases.length > 1) row('databases', project.databases.join(', '));
  if (project.tcp) {
    row(
      'tcp',
      `${TCP_HOST}:${project.tcp.port} (and ::1), user ${project.appUser}, password: \`devenv env --reveal\` or ${project.paths.tcpPassword}`,
    );
  }
  if (report.setup) row('setup', report.setup === 'done' ? 'done' : 'not run yet (runs at the next init, up or exec)');
  if (supervisor) {
    row(
      'up',
      `pid ${supervisor.pid}${supervisor.detached ? ' (background)' : ''}, ${supervisor.phase}, since ${uptime(supervisor.startedAt)}`,
    );
    for (const p of report.processes) {
      row(
        `  ${p.name}`,
        `${p.state}${p.pid ? ` pid ${p.pid}` : ''}, restarts ${p.restarts}, uptime ${uptime(p.startedAt)}`,
      );
    }
  }
  return 0;
}
