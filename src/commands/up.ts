import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { DOTENV_FILE, readDotenv } from '../project/dotenv-file.js';
import type { AppDefinition } from '../app-definition.js';
import { appDefinitions } from '../project/processes.js';
import { openProject, projectAt, type Project } from '../project/project.js';
import { CONFIG_FILE } from '../project/root.js';
import { lastLines } from '../postgres/bootstrap.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { PostgresService } from '../postgres/service.js';
import { LogOutput } from '../supervisor/log-output.js';
import { clearState, readLiveState, writeState } from '../supervisor/state.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { acquireUpLock } from '../supervisor/up-lock.js';
import { ownNodeEnv } from '../util/node-env.js';
import { terminalOutput, type Output } from '../util/output.js';

const DETACHED_ENV = 'PGRES_UP_DETACHED';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Files whose change is a configuration reload (new environment, processes, settings), not a plain restart. */
const CONFIG_FILES = [CONFIG_FILE, DOTENV_FILE, 'Procfile.dev', 'Procfile'];

/** Each app sees our environment, then .env, then the contract (PGDATA, DATABASE_URL, ...), then its own env. */
export function appSpecs(project: Project, defs: AppDefinition[]): AppDefinition[] {
  const dotenv = readDotenv(project.root);
  return defs.map((d) => ({ ...d, env: { ...process.env, ...dotenv, ...project.env, ...d.env } }));
}

export default async function up(command: string[], opts: { detach?: boolean }): Promise<number> {
  const out = terminalOutput();
  const project = openProject(process.cwd(), { create: true });
  const running = readLiveState(project);
  if (running) {
    throw new UserError(
      `devenv up is already running for this project (pid ${running.pid}${running.detached ? ', in the background' : ''}); stop it with \`devenv down\``,
    );
  }
  // Read the apps before anything starts, so a bad Procfile is one clear line.
  const apps = appDefinitions(project.root, project.config, command);
  if (opts.detach) return startDetached(project, command, out);
  return supervise(project, command, apps, out);
}

/** Supervisor lines from PostgresService and friends go through the prefixed log, not bare stderr. */
function logOutput(log: LogOutput): Output {
  return { info: (l) => log.line('devenv', l), notice: (l) => log.line('devenv', l), step: () => {} };
}

/** Loaded after postgres has been told to start: these take tens of ms to import. */
async function supervisorModules() {
  const [sup, groups, queue, debounce, chokidar] = await Promise.all([
    import('../supervisor/supervisor.js'),
    import('../supervisor/app-groups.js'),
    import('../supervisor/restart-queue.js'),
    import('../supervisor/debounce.js'),
    import('chokidar'),
  ]);
  return {
    Supervisor: sup.Supervisor,
    reapLeftoverApps: groups.reapLeftoverApps,
    writeAppGroups: groups.writeAppGroups,
    RestartQueue: queue.RestartQueue,
    Debouncer: debounce.Debouncer,
    watch: chokidar.watch,
  };
}

async function supervise(
  initial: Project,
  command: string[],
  { apps: defs, source }: { apps: AppDefinition[]; source: string | null },
  out: Output,
): Promise<number> {
  let project = initial;
  const pg = preparePostgres(project);
  await ensureCluster(pg, out);
  const release = acquireUpLock(project);
  const detached = process.env[DETACHED_ENV] === '1';
  let supervisor: Supervisor;
  let service: PostgresService | undefined;
  let mods: Awaited<ReturnType<typeof supervisorModules>>;
  let log: LogOutput;
  // Once postgres is spawned (detached, so the terminal's Ctrl-C does not reach it), a signal must
  // not end us before we have stopped it: note it until the supervisor takes over.
  // One listener for the whole run: removing a listener drops a signal node has received but not
  // yet dispatched, so we switch what it does instead.
  let earlySignal: NodeJS.Signals | null = null;
  let handleSignal = (signal: NodeJS.Signals) => {
    earlySignal ??= signal;
  };
  const dispatch = (signal: NodeJS.Signals) => handleSignal(signal);
  for (const s of SIGNALS) process.on(s, dispatch);
  try {
    log = new LogOutput({ logDir: project.paths.logs, names: ['devenv', 'postgres', ...defs.map((d) => d.name)] });
    service = new PostgresService(pg, logOutput(log), (line) => log.show('postgres', line));
    // Postgres boots in its own process while we load the supervisor's modules (chokidar, ...).
    service.prestart();
    mods = await supervisorModules();
    await mods.reapLeftoverApps(project, (l) => log.line('devenv', l));
    supervisor = new mods.Supervisor({
      root: project.root,
      database: service,
      apps: appSpecs(project, defs),
      log,
      debounceMs: project.config.watch.debounceMs,
      ignore: project.config.watch.ignore,
      configFiles: CONFIG_FILES,
    });
  } catch (err) {
    await service?.stop();
    release();
    for (const s of SIGNALS) process.off(s, dispatch);
    throw err;
  }
  if (earlySignal) {
    log.line('devenv', `${earlySignal}: stopping postgres`);
    await service.stop();
    release();
    await log.close();
    for (const s of SIGNALS) process.off(s, dispatch);
    return 0;
  }
  const { writeAppGroups, RestartQueue, Debouncer, watch } = mods;
  const startedAt = new Date().toISOString();
  let phase = 'starting';
  let exitCode = 0;
  const publish = () => {
    const processes = supervisor.status();
    writeState(project, {
      pid: process.pid,
      detached,
      startedAt,
      phase,
      postgresPid: service.pid,
      processes: processes.map((p) => ({
        name: p.name,
        pid: p.pid,
        state: p.state,
        restarts: p.restarts,
        startedAt: p.startedAt,
      })),
    });
    writeAppGroups(
      project,
      processes.filter((p) => p.kind === 'app' && p.pid).map((p) => ({ name: p.name, pgid: p.pid! })),
    );
  };
  publish();
  const timer = setInterval(publish, 1000);
  for (const ev of ['started', 'exit', 'restart-scheduled', 'database-restarted']) supervisor.on(ev, publish);

  const onSignal = (signal: NodeJS.Signals) => {
    if (phase !== 'stopping') log.line('devenv', `${signal}: stopping apps, then postgres (again to kill at once)`);
    phase = 'stopping';
    void supervisor.shutdown();
  };
  handleSignal = onSignal;

  // Config reload: one at a time, a change during one queues one more; a burst is one reload.
  const reload = async () => {
    const next = loadForReload(project, command, log);
    if (!next) return;
    const settingsChanged =
      JSON.stringify(next.project.config.postgres.settings) !== JSON.stringify(project.config.postgres.settings);
    const previous = project;
    project = next.project;
    service.useProject(project);
    if (!settingsChanged) {
      await supervisor.reconfigure(next.specs, { ignore: project.config.watch.ignore ?? [] });
      publish();
      return;
    }
    log.line(
      'devenv',
      'postgres.settings changed: restarting postgres (apps stop first and start again after it is back)',
    );
    try {
      await supervisor.reconfigure(next.specs, { restartDatabase: true, ignore: project.config.watch.ignore ?? [] });
    } catch {
      // The new settings keep postgres from starting: go back to the ones that worked.
      log.line(
        'devenv',
        `postgres did not start with the new postgres.settings; restarting it with the previous ones (fix ${CONFIG_FILE})`,
      );
      project = { ...project, config: { ...project.config, postgres: previous.config.postgres } };
      service.useProject(project);
      try {
        await supervisor.restartDatabase();
      } catch (err) {
        log.line('devenv', `postgres did not come back: ${err instanceof Error ? err.message : String(err)}; stopping`);
        exitCode = 1;
        void supervisor.shutdown();
      }
    }
    publish();
  };
  const reloads = new RestartQueue(reload, (err) =>
    log.line('devenv', `reload failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  let reloadAfterStart = false;
  const configChanged = new Debouncer<string>((files) => {
    if (phase === 'starting') reloadAfterStart = true; // applied once everything is up
    if (phase !== 'running') return;
    log.line('devenv', `${files.join(', ')} changed: reloading the configuration`);
    void reloads.request();
  }, project.config.watch.debounceMs ?? 100);
  const configWatcher = watch(project.root, {
    depth: 0,
    ignoreInitial: true,
    atomic: true,
    // Only the config files at the root; everything else is the app watchers' business.
    ignored: (p: string) => p !== project.root && !CONFIG_FILES.includes(path.relative(project.root, p)),
  });
  configWatcher.on('all', (_event, file) => configChanged.push(path.relative(project.root, file)));
  configWatcher.on('error', (err) =>
    log.line('devenv', `config watcher: ${err instanceof Error ? err.message : String(err)}`),
  );

  try {
    await supervisor.startDatabase();
    await supervisor.startApps();
    phase = 'running';
    publish();
    if (reloadAfterStart) void reloads.request();
    if (defs.length === 0) {
      log.line(
        'devenv',
        'no app processes: add "processes" to devenv.json, a Procfile, or run `devenv up -- CMD ARGS...`',
      );
    } else {
      log.line(
        'devenv',
        `running ${defs.length} app process${defs.length > 1 ? 'es' : ''} from ${source}; Ctrl-C stops everything`,
      );
    }
    await supervisor.done();
  } catch {
    // Only the database's start fails here, and the supervisor has already said why.
    exitCode = 1;
    await supervisor.shutdown();
  } finally {
    configChanged.cancel();
    reloads.close();
    await configWatcher.close();
    clearInterval(timer);
    phase = 'stopped';
    clearState(project);
    writeAppGroups(project, []);
    release();
    await log.close();
    for (const s of SIGNALS) process.off(s, dispatch);
  }
  return exitCode;
}

/**
 * Re-read devenv.json, .env and the Procfile. An invalid file is one line and the running
 * configuration stays. Settings that identify the cluster (database, version, binaries, runAs)
 * are kept as they are: changing them needs a new `devenv up`.
 */
function loadForReload(
  current: Project,
  command: string[],
  log: LogOutput,
): { project: Project; specs: AppDefinition[] } | null {
  try {
    const fresh = projectAt(current.root);
    const kept = current.config.postgres;
    const changed = (['database', 'version', 'binaries', 'runAs'] as const).filter(
      (k) => fresh.config.postgres[k] !== kept[k],
    );
    if (changed.length) {
      log.line(
        'devenv',
        `postgres.${changed.join(', postgres.')} changed: stop and run \`devenv up\` again to apply ${changed.length > 1 ? 'them' : 'it'}`,
      );
    }
    const project: Project = {
      ...current,
      config: { ...fresh.config, postgres: { ...kept, settings: fresh.config.postgres.settings } },
    };
    const { apps } = appDefinitions(project.root, project.config, command);
    return { project, specs: appSpecs(project, apps) };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log.line('devenv', `${err.message}; keeping the running configuration`);
    return null;
  }
}

/**
 * `up -d`: run the supervisor as a background process (its own session, output
 * to a log file) and return once postgres is ready and the apps started.
 */
async function startDetached(project: Project, command: string[], out: Output): Promise<number> {
  // Create the cluster here, in the foreground: its errors and progress belong on this terminal,
  // and the log file below lives inside it.
  await ensureCluster(preparePostgres(project), out);
  const logDir = project.paths.logs;
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'up.log');
  const fd = openSync(logFile, 'a');
  const startOffset = fileSize(logFile);
  const cli = process.argv[1]!;
  const child = spawn(process.execPath, [cli, 'up', ...(command.length ? ['--', ...command] : [])], {
    cwd: project.root,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...ownNodeEnv(process.env), [DETACHED_ENV]: '1', NO_COLOR: '1' },
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const until = Date.now() + 120000;
  while (Date.now() < until) {
    const state = readLiveState(project);
    if (state && state.pid === child.pid && state.phase === 'running') {
      // An app that could not even be started (command not found, bad cwd) means "not up":
      // stop everything so a non-zero exit leaves nothing running behind a script.
      const broken = state.processes.filter((p) => p.state === 'failed' || p.state === 'crashed').map((p) => p.name);
      if (broken.length === 0) {
        out.info(
          `devenv up is running in the background (pid ${child.pid}); \`devenv status\`, \`devenv logs -f\`, \`devenv down\``,
        );
        return 0;
      }
      // Only the lines about the broken apps: the shutdown that follows is noise here.
      const about = logSince(logFile, startOffset)
        .split('\n')
        .filter((l) => broken.some((name) => l.includes(name)));
      await stopChild(child.pid!, () => exited !== undefined);
      const tail = lastLines(about.join('\n'), 4);
      throw new UserError(
        `devenv up -d: ${broken.join(', ')} could not start, so everything was stopped again: ${tail}`,
      );
    }
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (exited === undefined) await stopChild(child.pid!, () => exited !== undefined);
  const tail = lastLines(logSince(logFile, startOffset), 8);
  throw new UserError(
    `devenv up did not start in the background${exited !== undefined ? ` (exit ${exited})` : ' (timed out)'}: ${tail}`,
  );
}

/** SIGTERM the background supervisor (it stops apps, then postgres) and wait until it has exited. */
async function stopChild(pid: number, gone: () => boolean): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 30000;
  while (!gone() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** What the background supervisor wrote to its log since `offset` (a byte offset). */
function logSince(file: string, offset: number): string {
  return readFileSync(file).subarray(offset).toString('utf8');
}
