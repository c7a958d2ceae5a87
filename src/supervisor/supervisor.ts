// The orchestrator behind `devenv up`: database first, then the apps; restarts on change and on
// crash; orderly shutdown (apps, then database), and a second request kills everything at once.
import { EventEmitter } from 'node:events';
import { type AppDefinition, isProcessName, type RestartPolicy } from '../app-definition.js';
import { describeExit, type ExitStatus } from '../util/exit-status.js';
import { resolve } from 'node:path';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Debouncer } from './debounce.js';
import { LogOutput } from './log-output.js';
import { ManagedProcess, ProcessStartError, type ExitInfo } from './managed-process.js';
import { RestartQueue } from './restart-queue.js';
import { isFailure, shouldRestart } from './restart-policy.js';
import { ProjectWatcher } from './watcher.js';

/** How the database ended. */
export type DatabaseExit = ExitStatus;

export interface DatabaseService {
  /** Resolves once the database accepts connections. */
  start(): Promise<void>;
  /** Orderly stop; resolves once it is gone. */
  stop(): Promise<void>;
  /** Called when the database dies without stop() having been asked for. */
  onUnexpectedExit(cb: (info: DatabaseExit) => void): void;
  /** Optional: immediate stop, used on a second shutdown request (falls back to stop()). */
  kill?(): Promise<void>;
  /** Optional: shown in the status snapshot. */
  readonly pid?: number | null;
}

export type AppSpec = AppDefinition;

export interface ReconfigureOptions {
  /** Also restart the database (its settings changed): apps stop first and start after it is back. */
  restartDatabase?: boolean;
  /** New extra ignore patterns for the file watchers. Default: unchanged. */
  ignore?: string[];
}

export interface SupervisorOptions {
  /** Project root: default watch path and the .gitignore that applies. */
  root: string;
  database?: DatabaseService;
  /** Name the database's lines and status go under. Default "postgres". */
  databaseName?: string;
  apps: AppSpec[];
  /** Default: a LogOutput on stdout without log files. */
  log?: LogOutput;
  /** File-event debounce. Default 100 ms. */
  debounceMs?: number;
  /** SIGTERM → SIGKILL grace on stop. Default 5000 ms. */
  graceMs?: number;
  backoff?: BackoffOptions;
  /** Watch files at all. Default true. */
  watch?: boolean;
  /** Honour the root .gitignore in the watcher. Default true. */
  gitignore?: boolean;
  /** Extra gitignore-syntax patterns the watcher skips (devenv.json `watch.ignore`). */
  ignore?: string[];
  /**
   * Root-relative files the caller reloads itself (devenv.json, .env) and applies through
   * reconfigure(): the app watchers skip them, so an edit gives one restart with the new
   * configuration rather than an extra one with the old.
   */
  configFiles?: string[];
}

export type SupervisedState =
  | 'pending' // not started yet
  | 'starting'
  | 'running'
  | 'restarting' // stopping the old instance to start a new one
  | 'backoff' // crashed, waiting before the next attempt
  | 'stopping'
  | 'stopped' // stopped by us
  | 'exited' // exited 0 and stays down (policy)
  | 'crashed' // failed and stays down (policy)
  | 'failed'; // could not run (bad cwd, command not found); waits for a file change

export interface ProcessStatus {
  name: string;
  kind: 'database' | 'app';
  pid: number | null;
  state: SupervisedState;
  restarts: number;
  /** ISO time of the current instance's start. */
  startedAt: string | null;
  lastExit: { code: number | null; signal: string | null; description: string } | null;
}

export interface RestartScheduled {
  name: string;
  delayMs: number;
  attempt: number;
  code: number | null;
  signal: string | null;
}

interface App {
  spec: AppSpec;
  policy: RestartPolicy;
  proc: ManagedProcess | undefined;
  state: SupervisedState;
  restarts: number;
  started: boolean;
  lastExit: ExitInfo | undefined;
  backoff: Backoff;
  timer: NodeJS.Timeout | undefined;
  queue: RestartQueue;
  debouncer: Debouncer<string>;
  /** An in-flight spawn, which shutdown must wait for. */
  spawning: Promise<void> | undefined;
}

const SELF = 'devenv';

/**
 * Events: "started" {name, pid}, "exit" {name, ...ExitInfo}, "restart-scheduled" RestartScheduled,
 * "change" {name, paths}, "database-restarted" {restarts}.
 */
export class Supervisor extends EventEmitter {
  private readonly opts: SupervisorOptions;
  private readonly log: LogOutput;
  private readonly graceMs: number;
  private readonly dbName: string;
  private apps: App[];
  /** Apps removed by reconfigure() whose stop is still in flight: shutdown waits for them. */
  private readonly retiring = new Set<App>();
  private readonly watchers: ProjectWatcher[] = [];
  /** reconfigure()/restartDatabase() run one at a time. */
  private ops: Promise<void> = Promise.resolve();
  /** While the database restarts on request, apps stay down (a restart request only stops them). */
  private appsHeld = false;
  private ignore: string[] | undefined;
  private shuttingDown = false;
  private killing = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly finished: Promise<void>;
  private markFinished!: () => void;

  private dbState: SupervisedState = 'pending';
  private dbRestarts = 0;
  private dbStartedAt: Date | undefined;
  private dbLastExit: DatabaseExit | undefined;
  private dbTimer: NodeJS.Timeout | undefined;
  private readonly dbBackoff: Backoff;
  private dbStopping: Promise<void> | undefined;
  private dbStarting: Promise<void> | undefined;

  constructor(opts: SupervisorOptions) {
    super();
    this.opts = opts;
    this.graceMs = opts.graceMs ?? 5000;
    this.dbName = opts.databaseName ?? 'postgres';
    this.checkNames(opts.apps);
    this.ignore = opts.ignore;
    this.log = opts.log ?? new LogOutput();
    for (const n of [SELF, ...(opts.database ? [this.dbName] : []), ...opts.apps.map((a) => a.name)])
      this.log.register(n);
    this.dbBackoff = new Backoff(opts.backoff);
    this.apps = opts.apps.map((spec) => this.makeApp(spec));
    opts.database?.onUnexpectedExit((info) => this.onDatabaseExit(info));
    this.finished = new Promise((res) => (this.markFinished = res));
  }

  private checkNames(specs: AppSpec[]): void {
    const names = specs.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`process "${dup}" is defined twice`);
    if (names.includes(SELF) || (this.opts.database && names.includes(this.dbName))) {
      throw new Error(`process names "${SELF}" and "${this.dbName}" are reserved`);
    }
    const bad = names.find((n) => !isProcessName(n));
    if (bad !== undefined) throw new Error(`invalid process name ${JSON.stringify(bad)}`);
  }

  /** Resolves once a shutdown (requested by anyone) has completed: what `devenv up` waits on. */
  done(): Promise<void> {
    return this.finished;
  }

  /** Start the database, then the apps, then the file watchers. Rejects if the database fails. */
  async start(): Promise<void> {
    const db = this.opts.database;
    if (db) {
      this.say(`starting ${this.dbName}`);
      await this.startDatabase(db);
      this.dbState = 'running';
      this.dbStartedAt = new Date();
    }
    for (const app of this.apps) {
      if (this.shuttingDown) return;
      await this.startApp(app);
    }
    if (this.opts.watch !== false && !this.shuttingDown) await this.startWatchers();
    if (this.apps.length === 0) this.say('no app processes configured: running the database alone');
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
   * SIGKILL every app group synchronously, for process.on("exit") or a fatal error path where
   * nothing can be awaited. The database is the caller's to handle there.
   */
  killAppsNow(): void {
    this.shuttingDown = true;
    for (const app of [...this.apps, ...this.retiring]) {
      clearTimeout(app.timer);
      app.debouncer.cancel();
      app.proc?.signal('SIGKILL');
    }
  }

  /** Resolves once no file-change debounce or restart is pending for any app (crash backoff excluded). */
  async idle(): Promise<void> {
    while (this.apps.some((a) => a.debouncer.pending || a.queue.running || a.queue.pending)) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Snapshot for `devenv status`. */
  status(): ProcessStatus[] {
    const list: ProcessStatus[] = [];
    const db = this.opts.database;
    if (db) {
      list.push({
        name: this.dbName,
        kind: 'database',
        pid: this.dbState === 'running' ? (db.pid ?? null) : null,
        state: this.dbState,
        restarts: this.dbRestarts,
        startedAt: this.dbStartedAt?.toISOString() ?? null,
        lastExit: this.dbLastExit ? { ...this.dbLastExit, description: describeExit(this.dbLastExit) } : null,
      });
    }
    for (const app of this.apps) {
      const live = app.proc && app.proc.state !== 'exited';
      list.push({
        name: app.spec.name,
        kind: 'app',
        pid: live ? (app.proc?.pid ?? null) : null,
        state: app.state,
        restarts: app.restarts,
        startedAt: live ? (app.proc?.startedAt?.toISOString() ?? null) : null,
        lastExit: app.lastExit
          ? { code: app.lastExit.code, signal: app.lastExit.signal, description: app.lastExit.description }
          : null,
      });
    }
    return list;
  }

  /**
   * Apply a new app list (config reload). Apps whose definition changed restart with the new one,
   * new ones start, removed ones stop, unchanged ones keep running. With `restartDatabase`, every
   * app stops first, the database restarts, then the apps start (see restartDatabase()).
   * Throws at once on an invalid list (nothing changes); rejects if the database does not come back.
   */
  reconfigure(specs: AppSpec[], opts: ReconfigureOptions = {}): Promise<void> {
    this.checkNames(specs);
    return this.serial(() => this.applyApps(specs, opts));
  }

  /**
   * Restart the database on request (its settings changed). The apps stop first and start again
   * once it is back: they would otherwise see their connections cut mid-request and crash-loop
   * into growing backoff while it is down. Rejects if it does not come back; the apps then stay
   * down and a later call may try again.
   */
  restartDatabase(): Promise<void> {
    return this.serial(() =>
      this.applyApps(
        this.apps.map((a) => a.spec),
        { restartDatabase: true },
      ),
    );
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.ops.then(fn);
    this.ops = run.catch(() => {});
    return run;
  }

  private async applyApps(specs: AppSpec[], opts: ReconfigureOptions): Promise<void> {
    if (this.shuttingDown) return;
    const current = new Map(this.apps.map((a) => [a.spec.name, a]));
    const wanted = new Set(specs.map((s) => s.name));
    const removed = this.apps.filter((a) => !wanted.has(a.spec.name));
    const changed: App[] = [];
    const added: App[] = [];
    let watchChanged = removed.length > 0 || (opts.ignore !== undefined && !sameJson(opts.ignore, this.ignore ?? []));
    const next = specs.map((spec) => {
      const app = current.get(spec.name);
      if (!app) {
        this.log.register(spec.name);
        const fresh = this.makeApp(spec);
        added.push(fresh);
        watchChanged = true;
        return fresh;
      }
      if (!sameSpec(app.spec, spec)) {
        if (!sameJson(watchKey(this.opts.root, app.spec), watchKey(this.opts.root, spec))) watchChanged = true;
        app.spec = spec;
        app.policy = spec.restart ?? 'on-failure';
        changed.push(app);
      }
      return app;
    });
    if (opts.ignore !== undefined) this.ignore = opts.ignore;
    this.apps = next;
    // No file events for the old set while it changes; the new set gets fresh watchers below.
    if (watchChanged) await this.closeWatchers();
    for (const app of removed) this.say(`${app.spec.name}: removed from the configuration; stopping`);
    for (const app of added) this.say(`${app.spec.name}: added to the configuration`);
    for (const app of changed) this.say(`${app.spec.name}: configuration changed; restarting`);
    await Promise.all(removed.map((a) => this.retireApp(a)));
    if (opts.restartDatabase && this.opts.database) {
      await this.cycleDatabase();
    } else if (!this.appsHeld) {
      await Promise.all(
        [...changed, ...added].map((app) => {
          app.backoff.reset(); // a new definition: the old crash history does not apply
          return app.queue.request();
        }),
      );
    }
    if (watchChanged && this.opts.watch !== false && !this.shuttingDown) await this.startWatchers();
  }

  // Stop a removed app for good; shutdown waits for it through `retiring`.
  private async retireApp(app: App): Promise<void> {
    this.retiring.add(app);
    try {
      app.debouncer.cancel();
      clearTimeout(app.timer);
      app.queue.close();
      await app.queue.idle();
      await app.spawning;
      if (app.proc && app.proc.state !== 'exited') {
        app.state = 'stopping';
        await (this.killing ? app.proc.kill() : app.proc.stop(this.graceOf(app)));
      }
      app.state = 'stopped';
    } finally {
      this.retiring.delete(app);
    }
  }

  // Apps down, database stopped and started, apps up again. Rejects if the database fails to start.
  private async cycleDatabase(): Promise<void> {
    const db = this.opts.database!;
    this.appsHeld = true;
    clearTimeout(this.dbTimer); // a crash recovery waiting in backoff: this restart replaces it
    this.dbTimer = undefined;
    this.say(`restarting ${this.dbName}: stopping the apps first`);
    // Through each app's queue, so an in-flight restart finishes first; held, it starts nothing.
    await Promise.all(
      this.apps.map((app) => {
        clearTimeout(app.timer);
        app.timer = undefined;
        return app.queue.request();
      }),
    );
    if (this.shuttingDown) return;
    await this.dbStarting?.catch(() => {});
    if (this.shuttingDown) return;
    this.dbState = 'stopping';
    this.dbStopping = db.stop();
    try {
      await this.dbStopping;
    } catch (err) {
      this.say(`${this.dbName} did not stop cleanly: ${message(err)}`);
    } finally {
      this.dbStopping = undefined;
    }
    this.dbState = 'stopped';
    if (this.shuttingDown) return;
    await this.startDatabase(db);
    this.dbRestarts++;
    this.dbStartedAt = new Date();
    this.dbState = 'running';
    this.dbBackoff.reset();
    this.say(`${this.dbName} restarted`);
    this.emit('database-restarted', { restarts: this.dbRestarts });
    this.appsHeld = false;
    if (this.shuttingDown) return;
    await Promise.all(
      this.apps.map((app) => {
        app.backoff.reset();
        return app.queue.request();
      }),
    );
  }

  private async closeWatchers(): Promise<void> {
    await Promise.all(this.watchers.splice(0).map((w) => w.close()));
  }

  private graceOf(app: App): number {
    return app.spec.stopGraceMs ?? this.graceMs;
  }

  // ---- apps -------------------------------------------------------------------------------

  private makeApp(spec: AppSpec): App {
    const app: App = {
      spec,
      policy: spec.restart ?? 'on-failure',
      proc: undefined,
      state: 'pending',
      restarts: 0,
      started: false,
      lastExit: undefined,
      backoff: new Backoff(this.opts.backoff),
      timer: undefined,
      queue: undefined as unknown as RestartQueue,
      debouncer: undefined as unknown as Debouncer<string>,
      spawning: undefined,
    };
    app.queue = new RestartQueue(
      () => this.restartApp(app),
      (err) => this.say(`${spec.name}: restart failed: ${message(err)}`),
    );
    app.debouncer = new Debouncer<string>((paths) => this.onAppFilesChanged(app, paths), this.opts.debounceMs ?? 100);
    return app;
  }

  private startApp(app: App): Promise<void> {
    const spawning = this.spawnApp(app);
    app.spawning = spawning;
    return spawning.finally(() => {
      if (app.spawning === spawning) app.spawning = undefined;
    });
  }

  private async spawnApp(app: App): Promise<void> {
    const { name, command, cwd, env } = app.spec;
    const proc = new ManagedProcess({ name, command, cwd, env, orphanGraceMs: this.graceOf(app) });
    app.state = 'starting';
    try {
      await proc.start();
    } catch (err) {
      app.state = 'failed';
      if (!(err instanceof ProcessStartError)) throw err;
      this.say(`${name}: ${err.reason}`);
      return;
    }
    if (app.started) app.restarts++;
    app.started = true;
    app.proc = proc;
    app.state = 'running';
    this.log.attach(name, proc.stdout!);
    this.log.attach(name, proc.stderr!);
    proc.once('exit', (info: ExitInfo) => this.onAppExit(app, proc, info));
    this.say(`${name} started (pid ${proc.pid}): ${command}`);
    this.emit('started', { name, pid: proc.pid });
    if (this.shuttingDown) {
      // Shutdown began while we were spawning and could not see this process yet.
      app.state = 'stopping';
      await (this.killing ? proc.kill() : proc.stop(this.graceOf(app)));
    }
  }

  // Runs inside the app's RestartQueue: the old group is gone before the new one starts.
  private async restartApp(app: App): Promise<void> {
    if (this.shuttingDown) return;
    clearTimeout(app.timer);
    app.timer = undefined;
    if (app.proc && app.proc.state !== 'exited') {
      app.state = 'restarting';
      await app.proc.stop(this.graceOf(app));
    }
    if (this.shuttingDown) return;
    if (this.appsHeld) {
      // The database is restarting: stay down; cycleDatabase() starts every app afterwards.
      app.state = 'stopped';
      return;
    }
    await this.startApp(app);
  }

  private onAppFilesChanged(app: App, paths: string[]): void {
    if (this.shuttingDown) return;
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    this.say(`${app.spec.name}: restarting, changed: ${shown}`);
    this.emit('change', { name: app.spec.name, paths });
    app.backoff.reset(); // the user changed something: the crash history no longer applies
    void app.queue.request();
  }

  private onAppExit(app: App, proc: ManagedProcess, info: ExitInfo): void {
    const name = app.spec.name;
    this.log.flush(name);
    this.emit('exit', { name, ...info });
    if (proc !== app.proc) return;
    app.lastExit = info;
    if (info.requested || this.shuttingDown) {
      if (app.state !== 'restarting') app.state = 'stopped';
      return;
    }
    if (info.code === 127 || info.code === 126) {
      // Retrying cannot help until something changes.
      app.state = 'failed';
      const hint = info.code === 127 ? 'check the command in your configuration' : 'check its permissions';
      this.say(`${name}: ${info.description}: ${app.spec.command} (${hint}); waiting for a file change`);
      return;
    }
    if (!shouldRestart(app.policy, info, false)) {
      app.state = isFailure(info) ? 'crashed' : 'exited';
      this.say(`${name} ${info.description}; not restarting (restart: ${app.policy})`);
      return;
    }
    const delayMs = app.backoff.next(info.runMs);
    app.state = 'backoff';
    const attempt = app.backoff.attempt;
    this.say(`${name} ${info.description}; restarting in ${formatDelay(delayMs)} (attempt ${attempt})`);
    this.emit('restart-scheduled', {
      name,
      delayMs,
      attempt,
      code: info.code,
      signal: info.signal,
    } satisfies RestartScheduled);
    app.timer = setTimeout(() => {
      app.timer = undefined;
      void app.queue.request();
    }, delayMs);
  }

  private async startWatchers(): Promise<void> {
    const root = resolve(this.opts.root);
    // Apps watching the same paths share one watcher.
    const groups = new Map<string, { paths: string[]; apps: App[] }>();
    const configFiles = new Set(this.opts.configFiles ?? []);
    for (const app of this.apps) {
      const paths = app.spec.watch ?? ['.'];
      if (paths.length === 0) continue;
      const key = watchKey(root, app.spec).join('\0');
      const group = groups.get(key) ?? { paths, apps: [] };
      group.apps.push(app);
      groups.set(key, group);
    }
    for (const { paths, apps } of groups.values()) {
      const watcher = new ProjectWatcher({
        root,
        paths,
        gitignore: this.opts.gitignore,
        ignore: this.ignore,
        extraIgnored: configFiles.size ? (rel) => configFiles.has(rel) : undefined,
        onChange: (rel) => {
          for (const app of apps) app.debouncer.push(rel);
        },
        onError: (err) => this.say(`watcher: ${message(err)}`),
      });
      this.watchers.push(watcher);
    }
    await Promise.all(this.watchers.map((w) => w.ready));
    // Shutdown may have closed the list before these were in it.
    if (this.shuttingDown) await Promise.all(this.watchers.map((w) => w.close()));
  }

  /** Start the database, remembering the attempt; a failure is said once and passed on. */
  private async startDatabase(db: DatabaseService): Promise<void> {
    this.dbState = 'starting';
    try {
      this.dbStarting = db.start();
      await this.dbStarting;
    } catch (err) {
      this.dbState = 'failed';
      this.say(`${this.dbName} failed to start: ${message(err)}`);
      throw err;
    }
  }

  // ---- database ----------------------------------------------------------------------------

  private onDatabaseExit(info: DatabaseExit): void {
    if (this.shuttingDown || this.dbStopping) return;
    this.dbLastExit = info;
    this.scheduleDatabaseRestart(`${this.dbName} ${describeExit(info)} unexpectedly`, info);
  }

  // One log line per attempt: what happened, and when the next try is.
  private scheduleDatabaseRestart(what: string, info: DatabaseExit): void {
    this.dbState = 'backoff';
    const runMs = this.dbStartedAt ? Date.now() - this.dbStartedAt.getTime() : 0;
    const delayMs = this.dbBackoff.next(runMs);
    this.say(`${what}; restarting in ${formatDelay(delayMs)}`);
    this.emit('restart-scheduled', {
      name: this.dbName,
      delayMs,
      attempt: this.dbBackoff.attempt,
      code: info.code,
      signal: info.signal,
    } satisfies RestartScheduled);
    clearTimeout(this.dbTimer);
    this.dbTimer = setTimeout(() => void this.recoverDatabase(), delayMs);
  }

  // After an unexpected exit. The apps keep running: most reconnect, and one that does not
  // crashes and gets its own backoff.
  private async recoverDatabase(): Promise<void> {
    this.dbTimer = undefined;
    if (this.shuttingDown) return;
    this.dbState = 'starting';
    try {
      this.dbStarting = this.opts.database!.start();
      await this.dbStarting;
    } catch (err) {
      if (this.shuttingDown) return;
      this.dbStartedAt = undefined; // a failed start is not a run: keep backing off
      this.scheduleDatabaseRestart(`${this.dbName} failed to restart: ${message(err)}`, { code: null, signal: null });
      return;
    }
    this.dbRestarts++;
    this.dbStartedAt = new Date();
    this.dbState = 'running';
    this.say(`${this.dbName} restarted`);
    this.emit('database-restarted', { restarts: this.dbRestarts });
  }

  // ---- shutdown ----------------------------------------------------------------------------

  private async runShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.say('shutting down (again to kill at once)');
    clearTimeout(this.dbTimer);
    for (const app of this.apps) {
      app.debouncer.cancel();
      clearTimeout(app.timer);
      app.queue.close();
    }
    await this.closeWatchers();
    await Promise.all(
      [...this.apps, ...this.retiring].map(async (app) => {
        await app.queue.idle(); // a restart in flight finishes its stop and starts nothing
        await app.spawning; // a spawn in flight sees shuttingDown and stops what it started
        if (app.proc && app.proc.state !== 'exited') {
          app.state = 'stopping';
          await (this.killing ? app.proc.kill() : app.proc.stop(this.graceOf(app)));
        }
        app.state = app.state === 'failed' ? 'failed' : 'stopped';
      }),
    );
    const db = this.opts.database;
    // Never stop the database in the middle of its own stop or start: let that finish first.
    await this.dbStopping?.catch(() => {});
    await this.dbStarting?.catch(() => {});
    if (db && (this.dbState === 'running' || this.dbState === 'starting' || this.dbState === 'backoff')) {
      this.dbState = 'stopping';
      this.dbStopping = this.killing && db.kill ? db.kill() : db.stop();
      try {
        await this.dbStopping;
      } catch (err) {
        this.say(`${this.dbName} did not stop cleanly: ${message(err)}`);
      }
      this.dbState = 'stopped';
    }
    this.say('all processes stopped');
    this.markFinished();
  }

  private async killAll(): Promise<void> {
    this.killing = true;
    this.say('killing all processes now');
    await Promise.all([
      ...[...this.apps, ...this.retiring].map((a) => a.proc?.kill()),
      this.dbStopping && this.opts.database?.kill ? this.opts.database.kill() : undefined,
    ]);
  }

  private say(text: string): void {
    this.log.line(SELF, text);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function watchKey(root: string, spec: AppSpec): string[] {
  return (spec.watch ?? ['.']).map((p) => resolve(root, p)).sort();
}

// Environment objects compare by content, whatever their key order.
function sameSpec(a: AppSpec, b: AppSpec): boolean {
  const env = (e: NodeJS.ProcessEnv | undefined) =>
    e ? Object.entries(e).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)) : null;
  return (
    a.command === b.command &&
    resolve(a.cwd) === resolve(b.cwd) &&
    (a.restart ?? 'on-failure') === (b.restart ?? 'on-failure') &&
    a.stopGraceMs === b.stopGraceMs &&
    sameJson(a.watch ?? null, b.watch ?? null) &&
    sameJson(env(a.env), env(b.env))
  );
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
