import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { readDotenv } from '../project/dotenv-file.js';
import { appDefinitions, type AppDefinition } from '../project/processes.js';
import { openProject, type Project } from '../project/project.js';
import { lastLines } from '../postgres/cluster.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { PostgresService } from '../postgres/service.js';
import { LogOutput } from '../supervisor/log-output.js';
import { clearState, readLiveState, writeState } from '../supervisor/state.js';
import { Supervisor, type AppSpec } from '../supervisor/supervisor.js';
import { acquireUpLock } from '../supervisor/up-lock.js';
import { terminalOutput, type Output } from '../util/output.js';

const DETACHED_ENV = 'PGRES_UP_DETACHED';

/** Each app sees our environment, then .env, then the contract (PGDATA, DATABASE_URL, ...), then its own env. */
export function appSpecs(project: Project, defs: AppDefinition[]): AppSpec[] {
  const dotenv = readDotenv(project.root);
  return defs.map((d) => ({
    name: d.name,
    command: d.command,
    cwd: d.cwd,
    env: { ...process.env, ...dotenv, ...project.env, ...d.env },
    watch: d.watch,
    restart: d.restart,
  }));
}

export default async function up(command: string[], opts: { detach?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd(), { create: true });
  const running = readLiveState(project);
  if (running) {
    throw new UserError(`devenv up is already running for this project (pid ${running.pid}${running.detached ? ', in the background' : ''}); stop it with \`devenv down\``);
  }
  // Validate the apps before anything starts, so a bad Procfile is one clear line.
  const { apps } = appDefinitions(project.root, project.config, command);
  if (opts.detach) return startDetached(project, command, out);
  return supervise(project, command, out);
}

async function supervise(project: Project, command: string[], out: Output): Promise<number> {
  const pg = preparePostgres(project);
  await ensureCluster(pg, out);
  const release = acquireUpLock(project);
  const detached = process.env[DETACHED_ENV] === '1';
  const { apps: defs, source } = appDefinitions(project.root, project.config, command);
  const log = new LogOutput({ logDir: project.paths.logs, names: ['devenv', 'postgres', ...defs.map((d) => d.name)] });
  const service = new PostgresService(pg, out, (line) => log.show('postgres', line));
  const supervisor = new Supervisor({
    root: project.root,
    database: service,
    apps: appSpecs(project, defs),
    log,
    debounceMs: project.config.watch.debounceMs,
    ignore: project.config.watch.ignore,
  });
  const startedAt = new Date().toISOString();
  let phase = 'starting';
  const publish = () =>
    writeState(project, {
      pid: process.pid,
      detached,
      startedAt,
      phase,
      postgresPid: service.pid,
      processes: supervisor.status().map((p) => ({ name: p.name, pid: p.pid, state: p.state, restarts: p.restarts, startedAt: p.startedAt })),
    });
  publish();
  const timer = setInterval(publish, 1000);
  for (const ev of ['started', 'exit', 'restart-scheduled', 'database-restarted']) supervisor.on(ev, publish);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) log.line('devenv', `${signal}: stopping apps, then postgres (again to kill at once)`);
    phase = 'stopping';
    void supervisor.shutdown();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  let code = 0;
  try {
    await supervisor.start();
    phase = 'running';
    publish();
    if (defs.length === 0) {
      log.line('devenv', 'no app processes: add "processes" to devenv.json, a Procfile, or run `devenv up -- CMD ARGS...`');
    } else {
      log.line('devenv', `running ${defs.length} app process${defs.length > 1 ? 'es' : ''} from ${source}; Ctrl-C stops everything`);
    }
    await supervisor.done();
  } catch (err) {
    code = 1;
    log.line('devenv', err instanceof Error ? err.message : String(err));
    await supervisor.shutdown();
  } finally {
    clearInterval(timer);
    phase = 'stopped';
    clearState(project);
    release();
    await log.close();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  }
  return code;
}

/**
 * `up -d`: run the supervisor as a background process (its own session, output
 * to a log file) and return once postgres is ready and the apps started.
 */
async function startDetached(project: Project, command: string[], out: Output): Promise<number> {
  const logDir = project.paths.logs;
  let logFile: string;
  let fd: number;
  try {
    mkdirSync(logDir, { recursive: true });
    logFile = path.join(logDir, 'up.log');
    fd = openSync(logFile, 'a');
  } catch {
    // .pgres does not exist yet: the background process creates it; log next to it meanwhile.
    logFile = path.join(project.root, '.pgres-up.log');
    fd = openSync(logFile, 'a');
  }
  const startOffset = fileSize(logFile);
  const cli = process.argv[1]!;
  const child = spawn(process.execPath, [cli, 'up', ...(command.length ? ['--', ...command] : [])], {
    cwd: project.root,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, [DETACHED_ENV]: '1', NO_COLOR: '1' },
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const until = Date.now() + 120000;
  while (Date.now() < until) {
    const state = readLiveState(project);
    if (state && state.pid === child.pid && state.phase === 'running') {
      out.info(`devenv up is running in the background (pid ${child.pid}); \`devenv status\`, \`devenv logs -f\`, \`devenv down\``);
      return 0;
    }
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (exited === undefined) process.kill(child.pid!, 'SIGTERM');
  const tail = lastLines(readFileSync(logFile, 'utf8').slice(startOffset), 8);
  throw new UserError(`devenv up did not start in the background${exited !== undefined ? ` (exit ${exited})` : ' (timed out)'}: ${tail}`);
}

function fileSize(file: string): number {
  try {
    return readFileSync(file).length;
  } catch {
    return 0;
  }
}
