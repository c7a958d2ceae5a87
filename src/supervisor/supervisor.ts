// The orchestrator behind `devenv up`: it only orders its units. The database first, then the apps,
// then the file watchers; reconfiguration one step at a time; shutdown stops the apps, then the
// database, and a second request kills everything at once.

import { EventEmitter } from 'node:events';
import { type AppDefinition, DATABASE_NAME, isProcessName, SELF_NAME } from '../app-definition.js';
import { dependencyProblem } from '../app-graph.js';
import { errorMessage } from '../errors.js';
import { trace } from '../util/trace.js';
import { AppRunner } from './app-runner.js';
import { AppStack } from './app-stack.js';
import { DatabaseRunner } from './database-runner.js';
import { LogOutput } from './log-output.js';
import type { ProcessOutcome, ProcessStatus, SupervisorEvents } from './process-status.js';
import { planReconfigure } from './reconfigure-plan.js';
import type { ReconfigureOptions, SupervisorOptions } from './supervisor-options.js';
import { AppWatchers } from './watch-groups.js';

/** The hold a database restart takes on the apps. */
const DATABASE_HOLD = 'database';
/** States in which an app is failing: `status` adds its last line. */
const FAILING: readonly string[] = ['backoff', 'crashed', 'failed'];

/** Events: see SupervisorEvents ("started", "exit", "restart-scheduled", "change", "database-restarted"). */
export class Supervisor extends EventEmitter {
  private readonly opts: SupervisorOptions;
  private readonly log: LogOutput;
  private readonly dbName: string;
  private readonly database: DatabaseRunner | undefined;
  private apps: AppRunner[];
  /** Apps removed by reconfigure() whose stop is still in flight: shutdown waits for them. */
  private readonly retiring = new Set<AppRunner>();
  private readonly watchers: AppWatchers;
  /** Which apps should run, their dependency order and readiness, and control of one app. */
  private readonly stack: AppStack;
  private ignore: string[] | undefined;
  /** reconfigure(), the holds and the database restarts run one at a time. */
  private ops: Promise<void> = Promise.resolve();
  /**
   * Who holds the apps down (a database restart, a config reload, a control request): while anyone
   * does, a restart request only stops an app, and the last release starts them all again.
   */
  private readonly holders = new Set<string>();
  private shuttingDown = false;
  private killing = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly finished: Promise<void>;
  private markFinished!: () => void;

  constructor(opts: SupervisorOptions) {
    super();
    this.opts = opts;
    this.dbName = opts.databaseName ?? DATABASE_NAME;
    checkAppNames(opts.apps, opts.database ? this.dbName : null);
    this.ignore = opts.ignore;
    this.log = opts.log ?? new LogOutput();
    for (const n of [SELF_NAME, ...(opts.database ? [this.dbName] : []), ...opts.apps.map((a) => a.name)]) {
      this.log.register(n);
    }
    const emit = <K extends keyof SupervisorEvents>(event: K, payload: SupervisorEvents[K]) =>
      this.emit(event, payload);
    this.database = opts.database
      ? new DatabaseRunner(opts.database, {
          name: this.dbName,
          say: (l) => this.say(l),
          emit,
          backoff: opts.backoff,
          closed: () => this.shuttingDown,
        })
      : undefined;
    this.stack = new AppStack(
      opts.apps,
      {
        runner: (name) => this.apps.find((a) => a.name === name),
        retire: (name) => this.retireOne(name),
        held: () => this.appsHeld,
        closed: () => this.shuttingDown,
        say: (l) => this.say(l),
        changed: (name, state) => this.emit('readiness', { name, state }),
      },
      opts.readyGraceMs,
    );
    this.apps = opts.apps.map((spec) => this.makeRunner(spec));
    this.watchers = new AppWatchers({
      root: opts.root,
      gitignore: opts.gitignore,
      configFiles: opts.configFiles,
      onError: (err) => this.say(`watcher: ${errorMessage(err)}`),
    });
    this.finished = new Promise((res) => (this.markFinished = res));
  }

  /** Resolves once a shutdown (requested by anyone) has completed: what `devenv up` waits on. */
  done(): Promise<void> {
    return this.finished;
  }

  /** Start the database. Rejects with DatabaseStartError (already said). Without one, nothing to do. */
  async startDatabase(): Promise<void> {
    await this.database?.start();
  }

  /**
   * Then the apps, then the file watchers. `specs`: the same apps with their final definitions (their
   * environment may depend on how the database started, e.g. a port picked at its first start).
   * `only`: these apps and what they need (`up NAME...`); throws on an unknown name. Each app starts
   * once its dependencies are there, independent ones at the same time; this resolves once each one
   * runs or waits for its dependencies.
   */
  async startApps(specs?: AppDefinition[], { only }: { only?: string[] } = {}): Promise<void> {
    if (specs) this.redefineBeforeStart(specs);
    const names = this.stack.choose(only);
    if (this.shuttingDown) return;
    await Promise.all(this.apps.filter((a) => names.includes(a.name)).map((a) => a.start()));
    if (this.shuttingDown) return;
    if (this.opts.watch !== false) await this.openWatchers();
    if (this.apps.length === 0 && !this.shuttingDown)
      this.say('no app processes configured: running the database alone');
  }

  /**
   * Stop apps (in parallel), then the database. A second call kills every remaining group at
   * once and resolves when the first shutdown does.
   */
  shutdown(): Promise<void> {
    if (this.shutdownPromise) {
      if (!this.killing) void this.killAll();
      return this.shutdownPromise;
    }
    this.shutdownPromise = this.runShutdown();
    return this.shutdownPromise;
  }

  /**
   * Resolves once no file-change debounce or restart is pending for any app (crash backoff excluded,
   * and restarts that wait for a dependency).
   */
  async idle(): Promise<void> {
    while (this.stack.waves.pending || this.apps.some((a) => a.busy)) await new Promise((r) => setTimeout(r, 10));
  }

  /** Snapshot for `devenv status`: the database first, then the apps in their configured order. */
  status(): ProcessStatus[] {
    const apps = this.apps.map((a) => {
      const status = a.status();
      const readiness = this.stack.readiness(a);
      // While it fails, its last line usually says why ("Error: listen EADDRINUSE", "DATABASE_URL is not set").
      const failing = FAILING.includes(status.state) || readiness.state === 'failed';
      const lastLine = failing ? (this.lastLines(a.name, 1)[0] ?? null) : null;
      // A runner stopped on request is replaced by a fresh one, not started: to the user it is stopped.
      const state = readiness.state === 'stopped' && status.state === 'pending' ? 'stopped' : status.state;
      return { ...status, state, readiness, port: a.definition.port ?? null, lastLine };
    });
    return [...(this.database ? [this.database.status()] : []), ...apps];
  }

  /** The apps' names, dependencies before their dependents. */
  processNames(): readonly string[] {
    return this.stack.names;
  }

  /** The last lines `name` wrote (stdout and stderr), oldest first: why a task failed. */
  lastLines(name: string, n?: number): string[] {
    return this.stack.tracker.lastLines(name, n);
  }

  /**
   * Start one app and what it needs that is not running (not started, stopped, or failed). Resolves
   * once it runs, or once it cannot yet (a dependency failed or was stopped), with the apps it started
   * (none when it ran already). Throws on an unknown name.
   */
  async startProcess(name: string): Promise<string[]> {
    this.stack.require(name);
    let launched: string[] = [];
    await this.serial(async () => {
      launched = await this.stack.launch(name);
    });
    await this.stack.started(name);
    return launched;
  }

  /**
   * Stop one app for good (until startProcess), the apps that need it first. Resolves with the apps
   * stopped, in the order they stopped. Throws on an unknown name.
   */
  async stopProcess(name: string): Promise<string[]> {
    this.stack.require(name);
    let stopped: string[] = [];
    await this.serial(async () => {
      stopped = await this.stack.stop(name);
    });
    return stopped;
  }

  /**
   * Restart one app as a change of its files would: once its dependencies are there, the old group
   * gone first; apps that wait for it to complete restart after it has completed again. Not running:
   * started. Resolves once its new instance runs, or once it cannot yet.
   */
  async restartProcess(name: string): Promise<void> {
    await this.restartProcesses([name]);
    await this.stack.started(name);
  }

  /**
   * Restart these apps in one wave (as one change touching them all would), in dependency order; those
   * that do not run are started. None named: every app that should run (not those stopped on request or
   * left out by `up NAME...`). Resolves with the apps restarted once each restart is on its way
   * (processOutcome() tells where it got to). Throws on an unknown name before anything restarts.
   */
  async restartProcesses(names: string[]): Promise<string[]> {
    for (const name of names) this.stack.require(name);
    const chosen = names.length ? names : this.stack.names.filter((n) => this.stack.isActive(n));
    const running = chosen.filter((n) => this.stack.isActive(n));
    void this.stack.restart(running);
    for (const name of chosen.filter((n) => !running.includes(n)))
      await this.serial(() => this.stack.launch(name).then());
    return chosen;
  }

  /**
   * Where `name` gets to after a start or restart: ready or completed, or why not (it exited, missed its
   * probe's timeout, waits on a dependency that failed), with its last lines when it failed.
   */
  processOutcome(name: string): Promise<ProcessOutcome> {
    this.stack.require(name);
    return this.stack.outcome(name);
  }

  /**
   * Apply a new app list (config reload). Apps whose definition changed restart with the new one,
   * new ones start, removed ones stop, unchanged ones keep running. With `restartDatabase`, every
   * app stops first, the database restarts, then the apps start (see restartDatabase()).
   * Throws at once on an invalid list (nothing changes); rejects if the database does not come back.
   */
  reconfigure(specs: AppDefinition[], opts: ReconfigureOptions = {}): Promise<void> {
    checkAppNames(specs, this.database ? this.dbName : null);
    return this.serial(() => this.applyApps(specs, opts));
  }

  /**
   * Restart the database on request (its settings changed). The apps stop first and start again
   * once it is back: they would otherwise see their connections cut mid-request and crash-loop
   * into growing backoff while it is down. Rejects with DatabaseStartError if it does not come
   * back; the apps then stay down and a later call may try again.
   */
  restartDatabase(): Promise<void> {
    return this.serial(() =>
      this.applyApps(
        this.apps.map((a) => a.definition),
        { restartDatabase: true },
      ),
    );
  }

  /**
   * Stop every app (waiting until each group is gone) and keep them down until `owner` releases them.
   * Holds of different owners add up: the apps start again when the last one lets go.
   */
  holdApps(owner: string, why: string): Promise<void> {
    return this.serial(() => this.hold(owner, why));
  }

  /**
   * `owner` lets go of the apps; the last release starts them again. With `specs`, they start as
   * these definitions (a reload, a new environment): changed ones take theirs, added ones start,
   * removed ones stay stopped.
   */
  releaseApps(owner: string, specs?: AppDefinition[], opts: Pick<ReconfigureOptions, 'ignore'> = {}): Promise<void> {
    if (specs) checkAppNames(specs, this.database ? this.dbName : null);
    return this.serial(async () => {
      if (specs) await this.applyApps(specs, opts);
      await this.release(owner);
    });
  }

  /** Are the apps held down (by anyone)? */
  get appsHeld(): boolean {
    return this.holders.size > 0;
  }

  /**
   * Stop the database while the apps are held (its files are about to change); no crash recovery
   * brings it back: resumeDatabase() does. Throws when the apps are not held.
   */
  pauseDatabase(): Promise<void> {
    return this.serial(async () => {
      if (!this.database || this.shuttingDown) return;
      if (!this.appsHeld) throw new Error('the apps must be held before the database stops');
      this.database.cancelRecovery();
      await this.database.pause();
    });
  }

  /** Start the database again after pauseDatabase(). Rejects with DatabaseStartError. */
  resumeDatabase(): Promise<void> {
    return this.serial(async () => {
      if (!this.database || this.shuttingDown) return;
      await this.database.resume();
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.ops.then(fn);
    this.ops = run.catch(() => {});
    return run;
  }

  private async applyApps(specs: AppDefinition[], opts: ReconfigureOptions): Promise<void> {
    if (this.shuttingDown) return;
    const current = this.apps.map((a) => a.definition);
    const plan = planReconfigure(this.opts.root, current, specs, { current: this.ignore, next: opts.ignore });
    const runners = new Map(this.apps.map((a) => [a.name, a]));
    const removed = this.apps.filter((a) => plan.removed.includes(a.name));
    for (const spec of plan.added) this.log.register(spec.name);
    this.stack.reconfigured(
      plan.next,
      plan.added.map((a) => a.name),
      plan.removed,
    );
    this.apps = plan.next.map((spec) => runners.get(spec.name) ?? this.makeRunner(spec));
    for (const spec of plan.changed) runners.get(spec.name)?.redefine(spec);
    if (opts.ignore !== undefined) this.ignore = opts.ignore;
    // No file events for the old set while it changes; the new set gets fresh watchers below.
    if (plan.rewatch) await this.watchers.close();
    for (const name of plan.removed) this.say(`${name}: removed from the configuration; stopping`);
    for (const spec of plan.added) this.say(`${spec.name}: added to the configuration`);
    for (const spec of plan.changed) this.say(`${spec.name}: configuration changed; restarting`);
    await Promise.all(removed.map((a) => this.retire(a)));
    if (opts.restartDatabase && this.database) {
      await this.cycleDatabase(this.database);
    } else if (!this.appsHeld) {
      // A new definition: the old crash history does not apply (restart() forgets it).
      await this.stack.restart([...plan.changed, ...plan.added].map((a) => a.name));
    }
    if (plan.rewatch && this.opts.watch !== false && !this.shuttingDown) await this.openWatchers();
  }

  // Stop one app for good (stopProcess) and put a fresh runner in its place, which startProcess can start.
  private async retireOne(name: string): Promise<void> {
    const app = this.apps.find((a) => a.name === name);
    if (!app) return;
    await this.retire(app);
    const at = this.apps.indexOf(app);
    if (at !== -1 && !this.shuttingDown) this.apps[at] = this.makeRunner(app.definition);
  }

  // Stop a removed app for good; shutdown waits for it through `retiring`.
  private async retire(app: AppRunner): Promise<void> {
    this.retiring.add(app);
    try {
      await app.stop({ kill: this.killing });
    } finally {
      this.retiring.delete(app);
    }
  }

  // Apps down, database stopped and started, apps up again. Rejects if the database fails to start:
  // the apps then stay held until a later restart brings it back.
  // A failed start keeps the database's own hold, so a later restart that works is what releases it.
  private async cycleDatabase(db: DatabaseRunner): Promise<void> {
    db.cancelRecovery(); // a crash recovery waiting in backoff: this restart replaces it
    await this.hold(DATABASE_HOLD, `restarting ${this.dbName}: stopping the apps first`);
    if (this.shuttingDown) return;
    await db.restart();
    await this.release(DATABASE_HOLD);
  }

  /** Stop every app and keep it down until `owner` releases it. */
  private async hold(owner: string, why: string): Promise<void> {
    const first = !this.appsHeld;
    this.holders.add(owner);
    if (!first) return;
    this.say(why);
    this.stack.board.poke(); // starts waiting for dependencies give up: nothing starts while held
    // Through each app's queue, so an in-flight restart finishes first; held, it starts nothing.
    const running = this.apps.filter((a) => this.stack.isActive(a.name));
    await Promise.all(running.map((app) => app.restart({ resetBackoff: false })));
  }

  /** Start every held app again, with a clean crash history, once nobody holds them. */
  private async release(owner: string): Promise<void> {
    this.holders.delete(owner);
    if (this.appsHeld || this.shuttingDown) return;
    // In dependency order: each waits for the new instances of what it needs (a task runs again first).
    await this.stack.restart(this.apps.map((a) => a.name));
  }

  /** Before the first start: the same apps, with their final definitions. */
  private redefineBeforeStart(specs: AppDefinition[]): void {
    const byName = new Map(specs.map((s) => [s.name, s]));
    if (specs.length !== this.apps.length || this.apps.some((a) => !byName.has(a.name))) {
      throw new Error('startApps: the definitions must name the same apps');
    }
    for (const app of this.apps) app.redefine(byName.get(app.name)!);
  }

  private async openWatchers(): Promise<void> {
    // By name, not by runner: stopProcess() replaces runners, and an app that does not run ignores changes.
    const entries = this.apps.map(({ name, definition }) => ({
      definition,
      fileChanged: (rel: string, abs?: string) => {
        if (this.stack.isActive(name)) this.apps.find((a) => a.name === name)?.fileChanged(rel, abs);
      },
    }));
    await this.watchers.open(entries, this.ignore);
    // Shutdown may have begun while the watchers made their first scan.
    if (this.shuttingDown) await this.watchers.close();
  }

  private async runShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.say('shutting down (again to kill at once)');
    this.stack.waves.cancel();
    this.stack.board.poke(); // control requests waiting for a start give up
    this.database?.cancelRecovery();
    const apps = [...this.apps, ...this.retiring];
    const stopping = apps.map((app) => app.stop({ kill: this.killing }));
    await this.watchers.close();
    await Promise.all(stopping);
    trace('shutdown: apps stopped');
    this.stack.close();
    await this.database?.stop();
    trace('shutdown: postgres stopped');
    this.say('all processes stopped');
    this.markFinished();
  }

  private async killAll(): Promise<void> {
    this.killing = true;
    this.say('killing all processes now');
    await Promise.all([
      ...[...this.apps, ...this.retiring].map((app) => app.stop({ kill: true })),
      this.database?.escalate(),
    ]);
  }

  private makeRunner(spec: AppDefinition): AppRunner {
    return new AppRunner(spec, {
      log: this.log,
      say: (l) => this.say(l),
      emit: (event, payload) => this.emit(event, payload),
      graceMs: this.opts.graceMs ?? 5000,
      debounceMs: this.opts.debounceMs ?? 100,
      backoff: this.opts.backoff,
      held: () => this.appsHeld,
      gate: this.stack.gate,
      observer: this.stack.tracker,
      changed: (name) => this.stack.waves.changed(name),
      spawnProcess: this.opts.spawnProcess,
    });
  }

  private say(text: string): void {
    this.log.line(SELF_NAME, text);
  }
}

/** The app list a supervisor accepts: unique, valid names, none of them taken by devenv's own lines. */
function checkAppNames(specs: AppDefinition[], databaseName: string | null): void {
  const names = specs.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`process "${dup}" is defined twice`);
  if (names.includes(SELF_NAME) || (databaseName !== null && names.includes(databaseName))) {
    throw new Error(`process names "${SELF_NAME}" and "${databaseName ?? DATABASE_NAME}" are reserved`);
  }
  const bad = names.find((n) => !isProcessName(n));
  if (bad !== undefined) throw new Error(`invalid process name ${JSON.stringify(bad)}`);
  const graph = dependencyProblem(specs);
  if (graph) throw new Error(`processes.${graph}`);
}
