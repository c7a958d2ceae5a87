// The orchestrator behind `devenv up`: it only orders its units (the database's runner, the apps' roster
// and stack, their holds, requests for named apps, reconfiguration). The database first, then the apps,
// then the file watchers; reconfiguration one step at a time; shutdown stops the apps, then the
// database, and a second request kills everything at once.

import { EventEmitter } from 'node:events';
import { type AppDefinition, DATABASE_NAME, SELF_NAME } from '../app-definition.js';
import { Mutex } from '../util/mutex.js';
import { trace } from '../util/trace.js';
import { AppControl } from './app-control.js';
import { AppHolds } from './app-holds.js';
import { checkAppList } from './app-list-check.js';
import { AppRoster } from './app-roster.js';
import { AppRunner } from './app-runner.js';
import { AppStack } from './app-stack.js';
import { DatabaseRunner } from './database-runner.js';
import { LogOutput } from './log-output.js';
import type { ProcessOutcome, ProcessStatus, SupervisorEvents } from './process-status.js';
import { Reconfigurer } from './reconfigurer.js';
import type { ReconfigureOptions, SupervisorOptions } from './supervisor-options.js';

/** Events: see SupervisorEvents ("started", "exit", "restart-scheduled", "change", "database-restarted"). */
export class Supervisor extends EventEmitter {
  private readonly opts: SupervisorOptions;
  private readonly log: LogOutput;
  private readonly dbName: string;
  private readonly database: DatabaseRunner | undefined;
  private readonly apps: AppRoster;
  /** Which apps should run, their dependency order and readiness, and control of one app. */
  private readonly stack: AppStack;
  private readonly holds: AppHolds;
  private readonly control: AppControl;
  private readonly reconfigurer: Reconfigurer;
  /** reconfigure(), the holds, the database restarts and control requests run one at a time. */
  private readonly ops = new Mutex();
  private shuttingDown = false;
  private killing = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly finished: Promise<void>;
  private markFinished!: () => void;

  constructor(opts: SupervisorOptions) {
    super();
    this.opts = opts;
    this.dbName = opts.databaseName ?? DATABASE_NAME;
    checkAppList(opts.apps, opts.database ? this.dbName : null);
    this.log = opts.log ?? new LogOutput();
    for (const n of [SELF_NAME, ...(opts.database ? [this.dbName] : []), ...opts.apps.map((a) => a.name)]) {
      this.log.register(n);
    }
    const emit = <K extends keyof SupervisorEvents>(event: K, payload: SupervisorEvents[K]) =>
      this.emit(event, payload);
    // What every unit is told: where its lines go, and whether the shutdown has begun.
    const unit = { say: (l: string) => this.say(l), closed: () => this.shuttingDown };
    const database = opts.database
      ? new DatabaseRunner(opts.database, { ...unit, name: this.dbName, emit, backoff: opts.backoff })
      : undefined;
    this.database = database;
    this.stack = new AppStack(
      opts.apps,
      {
        ...unit,
        runner: (name) => this.apps.find(name),
        retire: (name) => this.apps.retireOne(name),
        held: () => this.appsHeld,
        changed: (name, state) => this.emit('readiness', { name, state }),
      },
      opts.readyGraceMs,
    );
    this.apps = new AppRoster(opts.apps, {
      ...unit,
      make: (spec) => this.makeRunner(spec),
      killing: () => this.killing,
    });
    this.holds = new AppHolds({ ...unit, stack: this.stack, runners: () => this.apps.list });
    this.control = new AppControl(this.stack, this.ops);
    this.reconfigurer = new Reconfigurer(
      {
        ...unit,
        apps: this.apps,
        stack: this.stack,
        holds: this.holds,
        register: (name) => this.log.register(name),
        restartDatabase: database && (() => this.holds.restartDatabase(database, this.dbName)),
      },
      opts,
    );
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
    if (specs) this.apps.redefineAll(specs);
    const names = this.stack.choose(only);
    if (this.shuttingDown) return;
    await Promise.all(this.apps.list.filter((a) => names.includes(a.name)).map((a) => a.start()));
    if (this.shuttingDown) return;
    await this.reconfigurer.watch();
    if (this.apps.list.length === 0 && !this.shuttingDown)
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
    while (this.stack.waves.pending || this.apps.list.some((a) => a.busy)) await new Promise((r) => setTimeout(r, 10));
  }

  /** Snapshot for `devenv status`: the database first, then the apps in their configured order. */
  status(): ProcessStatus[] {
    const apps = this.apps.list.map((a) => this.stack.status(a));
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

  /** Start one app and what it needs that is not running: see AppControl.start. */
  startProcess(name: string): Promise<string[]> {
    return this.control.start(name);
  }

  /** Stop one app for good, the apps that need it first: see AppControl.stop. */
  stopProcess(name: string): Promise<string[]> {
    return this.control.stop(name);
  }

  /** Restart one app as a change of its files would: see AppControl.restart. */
  restartProcess(name: string): Promise<void> {
    return this.control.restart(name);
  }

  /** Restart these apps (none named: all that should run) in one wave: see AppControl.restartMany. */
  restartProcesses(names: string[]): Promise<string[]> {
    return this.control.restartMany(names);
  }

  /** Where `name` gets to after a start or restart: see AppControl.outcome. */
  processOutcome(name: string): Promise<ProcessOutcome> {
    return this.control.outcome(name);
  }

  /**
   * Apply a new app list (config reload). Apps whose definition changed restart with the new one,
   * new ones start, removed ones stop, unchanged ones keep running. With `restartDatabase`, every
   * app stops first, the database restarts, then the apps start (see restartDatabase()).
   * Throws at once on an invalid list (nothing changes); rejects if the database does not come back.
   */
  reconfigure(specs: AppDefinition[], opts: ReconfigureOptions = {}): Promise<void> {
    checkAppList(specs, this.database ? this.dbName : null);
    return this.ops.run(() => this.reconfigurer.apply(specs, opts));
  }

  /**
   * Restart the database on request (its settings changed). The apps stop first and start again
   * once it is back: they would otherwise see their connections cut mid-request and crash-loop
   * into growing backoff while it is down. Rejects with DatabaseStartError if it does not come
   * back; the apps then stay down and a later call may try again.
   */
  restartDatabase(): Promise<void> {
    return this.ops.run(() => this.reconfigurer.apply(this.apps.definitions(), { restartDatabase: true }));
  }

  /**
   * Stop every app (waiting until each group is gone) and keep them down until `owner` releases them.
   * Holds of different owners add up: the apps start again when the last one lets go.
   */
  holdApps(owner: string, why: string): Promise<void> {
    return this.ops.run(() => this.holds.hold(owner, why));
  }

  /**
   * `owner` lets go of the apps; the last release starts them again. With `specs`, they start as
   * these definitions (a reload, a new environment): changed ones take theirs, added ones start,
   * removed ones stay stopped.
   */
  releaseApps(owner: string, specs?: AppDefinition[], opts: Pick<ReconfigureOptions, 'ignore'> = {}): Promise<void> {
    if (specs) checkAppList(specs, this.database ? this.dbName : null);
    return this.ops.run(async () => {
      if (specs) await this.reconfigurer.apply(specs, opts);
      await this.holds.release(owner);
    });
  }

  /** Are the apps held down (by anyone)? */
  get appsHeld(): boolean {
    return this.holds.held;
  }

  /**
   * Stop the database while the apps are held (its files are about to change); no crash recovery
   * brings it back: resumeDatabase() does. Throws when the apps are not held.
   */
  pauseDatabase(): Promise<void> {
    return this.ops.run(async () => {
      if (!this.database || this.shuttingDown) return;
      if (!this.appsHeld) throw new Error('the apps must be held before the database stops');
      this.database.cancelRecovery();
      await this.database.pause();
    });
  }

  /** Start the database again after pauseDatabase(). Rejects with DatabaseStartError. */
  resumeDatabase(): Promise<void> {
    return this.ops.run(async () => {
      if (!this.database || this.shuttingDown) return;
      await this.database.resume();
    });
  }

  private async runShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.say('shutting down (again to kill at once)');
    this.stack.waves.cancel();
    this.stack.board.poke(); // control requests waiting for a start give up
    this.database?.cancelRecovery();
    const apps = this.apps.all();
    const stopping = apps.map((app) => app.stop({ kill: this.killing }));
    await this.reconfigurer.closeWatchers();
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
    await Promise.all([...this.apps.all().map((app) => app.stop({ kill: true })), this.database?.escalate()]);
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
