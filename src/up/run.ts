// `devenv up` in the foreground (and the background `up` that `up -d` starts): the cluster, the lock,
// postgres, its provisioning, the supervisor around it and the apps, state publishing, config reload,
// the control channel, and one way to end. The project it runs is the one LiveProject holds.
import kleur from 'kleur';
import type { AppDefinition } from '../app-definition.js';
import { UserError } from '../errors.js';
import { ensureCluster, type PreparedPostgres, preparePostgres, serverSpec } from '../postgres/prepare.js';
import { provision } from '../postgres/provision.js';
import { PostgresService } from '../postgres/service.js';
import { logLimits } from '../project/config.js';
import { type Project, projectAt } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { DatabaseStartError } from '../supervisor/database-runner.js';
import type { LogOutput } from '../supervisor/log-output.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { DiskFullNotice } from '../util/disk-space.js';
import { Mutex } from '../util/mutex.js';
import type { Output } from '../util/output.js';
import { trace } from '../util/trace.js';
import { DETACHED_ENV } from './app-env.js';
import type { ConfigReload } from './config-reload.js';
import type { ControlListener } from './control-listener.js';
import { currentPostgres } from './current-postgres.js';
import { bringBackDatabase, finishRestoreSwap } from './database-recovery.js';
import { runMarker, stopEscapedApps } from './escaped-apps.js';
import { LiveProject } from './live-project.js';
import { openRunLog } from './run-log.js';
import { summary } from './running-summary.js';
import { SignalGate } from './signal-gate.js';
import { StatePublisher } from './state.js';
import { type Modules, supervisorModules } from './supervisor-modules.js';
import { acquireUpLock } from './up-lock.js';

export interface UpOptions {
  project: Project;
  /** The ad-hoc app of `up -- CMD ARGS...` ([] for none). */
  command: string[];
  /** `up NAME...`: only these apps and what they need ([]: all of them). */
  only: string[];
  /** The apps as read before anything started (a bad Procfile has already been one clear line). */
  apps: AppDefinition[];
  /** Where they came from ("devenv.json", "Procfile", ...), for the summary line. */
  source: string | null;
  out: Output;
}

/** What runs once postgres is on its way. */
interface Run {
  /** The cluster and the binaries of its major (re-read when an upgrade under `up` changed it). */
  pg: () => PreparedPostgres;
  /** The project as this `up` runs it now (replaced by reloads, and when the server picks its port). */
  live: LiveProject;
  log: LogOutput;
  /** Says once when the disk is full, and once when writing works again. */
  disk: DiskFullNotice;
  service: PostgresService;
  supervisor: Supervisor;
  modules: Modules;
}

/** Run until a stop request (or a fatal error); resolves with the exit code. */
export async function runUp(opts: UpOptions): Promise<number> {
  const prepared = preparePostgres(opts.project, checkNoInterruptedSwap);
  const { pg, refill } = await ensureCluster(prepared, opts.project, opts.out, { refillLater: true });
  // The cache's refill once postgres is ready (or this run ends first): not while it starts.
  const refillNow = () => refill?.();
  trace('cluster ready');
  const release = acquireUpLock(opts.project.paths);
  const detached = process.env[DETACHED_ENV] === '1';
  // The background `up` writes to a log file: no colours there, whatever the environment says.
  if (detached) kleur.enabled = false;
  const gate = new SignalGate();
  try {
    const run = await assemble(pg, opts, detached, refillNow);
    if (gate.pending) {
      // Stopped before the supervisor existed: only postgres was started.
      run.log.line('devenv', `${gate.pending}: stopping postgres`);
      await run.service.stop();
      await run.log.close();
      return 0;
    }
    return await supervise(run, opts, gate, detached);
  } finally {
    refillNow();
    release();
    gate.close();
  }
}

/** Postgres starting, the supervisor's modules loaded meanwhile, leftovers of a killed `up` gone. */
async function assemble(
  pg: PreparedPostgres,
  { project, command, apps }: UpOptions,
  detached: boolean,
  ready: () => void,
): Promise<Run> {
  const live = new LiveProject(project, command);
  const current = currentPostgres(pg, live);
  const say = (line: string) => {
    begin();
    log.line('devenv', line);
  };
  const disk = new DiskFullNotice(project.paths.pgdata, say);
  const limits = logLimits(project.config);
  const names = ['postgres', ...apps.map((a) => a.name)];
  const { log, begin } = openRunLog(project.paths, limits, names, { detached, disk });
  const started = (port: number) => {
    live.settle(port);
    ready();
  };
  // Each start takes the settings of the project as it is then; a port it picks moves the project there.
  const service = new PostgresService(
    current,
    () => serverSpec(live.current),
    { info: say, notice: say, step: () => {} },
    // Lines of postgres' own log are shown, not copied: it writes postgres.log itself.
    (l) => log.show('postgres', l),
    { disk, logLimits: limits, started, underway: begin },
  );
  // Postgres boots in its own process (detached: the terminal's Ctrl-C reaches only us, and we stop
  // the apps before it) while we load the supervisor's modules.
  service.prestart();
  try {
    const modules = await supervisorModules();
    trace('supervisor modules loaded');
    begin();
    await modules.reapLeftoverApps(project.paths, say);
    const supervisor = new modules.Supervisor({
      root: project.root,
      database: service,
      apps: live.withEnvironment(apps),
      log,
      debounceMs: project.config.watch.debounceMs,
      ignore: project.config.watch.ignore,
      configFiles: modules.CONFIG_FILES,
    });
    return { pg: current, live, log, disk, service, supervisor, modules };
  } catch (err) {
    await service.stop();
    throw err;
  }
}

async function supervise(run: Run, opts: UpOptions, gate: SignalGate, detached: boolean): Promise<number> {
  const { log, service, supervisor } = run;
  const say = (line: string) => log.line('devenv', line);
  const publisher = new StatePublisher(opts.project.paths, supervisor, () => service.pid, detached, run.disk);
  publisher.start();
  for (const ev of ['started', 'exit', 'restart-scheduled', 'database-restarted', 'readiness']) {
    supervisor.on(ev, () => publisher.publish());
  }
  let exitCode = 0;
  // Every request to end the run ends it the same way: apps, then postgres; asking again (the gate says
  // which requests count as asking) kills at once.
  const stop = (reason: string, again: boolean) => {
    const first = publisher.phase !== 'stopping';
    if (!first && !again) return;
    publisher.phase = 'stopping';
    if (first) say(`${reason}: stopping apps, then postgres (again to kill at once)`);
    void supervisor.shutdown();
  };
  gate.handle(stop);
  const channels = openChannels(run, publisher, say, () => {
    exitCode = 1;
    gate.request('postgres is gone');
  });
  channels.reload.watch();
  let failure: UserError | null = null;
  try {
    failure = await startEverything(run, opts, publisher, channels);
    if (failure) {
      exitCode = 1;
      gate.request('the database could not be set up');
    }
    await supervisor.done();
  } catch (err) {
    exitCode = 1;
    if (publisher.phase === 'stopping') await supervisor.done();
    else await supervisor.shutdown();
    // A database that cannot start has been said by the supervisor; anything else is a bug.
    if (!(err instanceof DatabaseStartError)) throw err;
  } finally {
    // The apps are stopped: what they started outside their process groups goes too.
    await stopEscapedApps(runMarker(), say).catch((err) => say(`could not stop what the apps left: ${err}`));
    await channels.control.close();
    await channels.reload.close();
    publisher.stop();
    await log.close();
  }
  // Its one line is the last thing said (`up -d` passes it on as its own).
  if (failure) throw failure;
  return exitCode;
}

interface Channels {
  reload: ConfigReload;
  control: ControlListener;
  /** Role, databases, extensions, TCP password, a pending setup: on the project as it runs now. */
  provisionNow: () => Promise<void>;
}

/** Config reload and the control channel: both change what runs, so they take turns (one lock). */
function openChannels(run: Run, publisher: StatePublisher, say: (l: string) => void, fatal: () => void): Channels {
  const { pg, live, supervisor, modules } = run;
  const exclusive = new Mutex();
  // Checked now, while postgres boots, before the watchers see any change.
  const hooks = new modules.HookRefresh(live.current.root);
  hooks.start();
  const provisionNow = () =>
    provision(pg(), live.current, { info: say, notice: say, step: () => {} }, { setup: 'if-needed' });
  const { root } = live.current;
  const reload = new modules.ConfigReload({
    target: supervisor,
    project: live,
    load: (config) => projectAt(root, config ? { config } : {}),
    apps: (project) => live.apps(project),
    provision: provisionNow,
    exclusive,
    say,
    phase: () => publisher.phase,
    applied: () => publisher.publish(),
    fatal,
    touched: (file) => hooks.touched(file),
  });
  const session = {
    target: supervisor,
    exclusive,
    say,
    phase: () => publisher.phase,
    setOverrides: (env: Record<string, string>) => live.setOverrides(env),
    apps: () => live.apps(),
    provision: provisionNow,
    recoverDatabase: (start: () => Promise<void>) =>
      bringBackDatabase({
        repair: () => finishRestoreSwap(live.current.paths, pg().fs, say),
        start,
        say,
        stopping: () => publisher.phase === 'stopping',
      }),
    changed: () => publisher.publish(),
  };
  const control = new modules.ControlListener(
    live.current.paths.controlSocket,
    (peer) => new modules.ControlSession(session, peer),
    say,
  );
  return { reload, control, provisionNow };
}

/**
 * postgres, its provisioning, then the apps and the control channel; "running" once they are. Returns
 * the line of a provisioning that failed (the run then ends), or null.
 */
async function startEverything(
  { supervisor, live, log }: Run,
  opts: UpOptions,
  publisher: StatePublisher,
  { reload, control, provisionNow }: Channels,
): Promise<UserError | null> {
  const say = (line: string) => log.line('devenv', line);
  // A stop can be asked for at any await below.
  const stopping = () => publisher.phase === 'stopping';
  await supervisor.startDatabase();
  if (stopping()) return null;
  const failure = await provisionAtStart(provisionNow, say);
  if (failure) return failure;
  trace('provisioned');
  // Layered now: the start may have picked the TCP port, and made the password DATABASE_URL_TCP carries.
  await supervisor.startApps(live.withEnvironment(opts.apps), opts.only.length ? { only: opts.only } : {});
  trace('apps started');
  // A stop requested meanwhile has begun: the run is not "running", and saying so would follow "shutting down".
  if (!stopping()) {
    await Promise.all([control.listen(), reload.watching]);
    publisher.phase = 'running';
    publisher.publish();
    reload.ready();
    trace('running');
    say(summary(opts, supervisor));
  }
  return null;
}

/** Role, databases, extensions, TCP password, then the setup, before any app starts; a failure is its line. */
async function provisionAtStart(
  provisionNow: () => Promise<void>,
  say: (l: string) => void,
): Promise<UserError | null> {
  try {
    await provisionNow();
    return null;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    say(err.message);
    return err;
  }
}
