// One app under the supervisor: its instances one after another, restarts on change and on crash
// (with backoff), and one way to stop it.

import type { AppDefinition } from '../app-definition.js';
import { errorMessage } from '../errors.js';
import { RestartQueue } from '../util/restart-queue.js';
import { trace } from '../util/trace.js';
import { Backoff, formatDelay } from './backoff.js';
import { ChangeBursts } from './change-bursts.js';
import { type ExitInfo, ManagedProcess, ProcessStartError } from './managed-process.js';
import type { ProcessStatus, SupervisedState } from './process-status.js';
import { afterExit } from './restart-policy.js';
import type { AppRunnerContext } from './runner-context.js';

export type { AppRunnerContext } from './runner-context.js';

export class AppRunner {
  private spec: AppDefinition;
  private proc: ManagedProcess | undefined;
  private state: SupervisedState = 'pending';
  private restarts = 0;
  private started = false;
  private lastExit: ExitInfo | undefined;
  private readonly backoff: Backoff;
  /** A crash restart waiting out its backoff. */
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: RestartQueue;
  private readonly changes: ChangeBursts;
  /** A restart is stopping the old instance: the new one, not spawned yet, will see every change so far. */
  private replacing = false;
  /** A spawn in flight, which a stop must wait for. */
  private spawning: Promise<void> | undefined;
  /** Set by stop(): from then on nothing starts again. */
  private stopped: Promise<void> | undefined;
  private killing = false;
  /** A restart waiting for the app's dependencies (the old instance, if any, still serving). */
  private gateWait: AbortController | undefined;
  /** Told when a restart begins to wait for the dependencies (see requestRestart). */
  private readonly onWaiting = new Set<() => void>();

  constructor(
    spec: AppDefinition,
    private readonly ctx: AppRunnerContext,
  ) {
    this.spec = spec;
    this.backoff = new Backoff(ctx.backoff);
    this.queue = new RestartQueue(
      () => this.replaceInstance(),
      (err) => ctx.say(`${this.name}: restart failed: ${errorMessage(err)}`),
    );
    this.changes = new ChangeBursts(
      ctx.debounceMs,
      () => this.replacing || this.queue.pending,
      (paths, first) => this.onFilesChanged(paths, first),
    );
  }

  get name(): string {
    return this.spec.name;
  }

  get definition(): AppDefinition {
    return this.spec;
  }

  /** A file-change restart or a restart is pending (a crash backoff is not, nor one waiting for dependencies). */
  get busy(): boolean {
    return this.changes.pending || ((this.queue.running || this.queue.pending) && !this.waiting);
  }

  /** A start or restart waits for the app's dependencies. */
  get waiting(): boolean {
    return this.gateWait !== undefined;
  }

  /** Take a new definition (a configuration reload); the next instance uses it. */
  redefine(spec: AppDefinition): void {
    this.spec = spec;
  }

  /**
   * Start an instance now, or once its dependencies are there (then it resolves at once: the restart
   * queue waits for them). A command that cannot run is said, and the app waits in "failed".
   */
  start(): Promise<void> {
    if (this.ctx.gate && !this.ctx.gate.open(this.name)) {
      this.state = 'waiting';
      void this.queue.request();
      return Promise.resolve();
    }
    const spawning = this.spawn();
    this.spawning = spawning;
    return spawning.finally(() => {
      if (this.spawning === spawning) this.spawning = undefined;
    });
  }

  /** A watched file changed: restart at once; a burst of changes gives at most one more restart. */
  fileChanged(rel: string, abs?: string): void {
    this.changes.push(rel, abs);
  }

  /**
   * Restart through the queue: the old group is gone before the new one starts, and requests during
   * a restart fold into one more. Held apps only stop. Asked for by the user or a new definition,
   * the crash history no longer applies (`resetBackoff`).
   */
  restart({ resetBackoff = true } = {}): Promise<void> {
    if (resetBackoff) this.backoff.reset();
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.queue.request();
  }

  /**
   * restart(), resolving once the new instance runs or the restart waits for the app's dependencies
   * (it then goes on by itself): what a caller that must not wait on another app (a reload) awaits.
   * A restart that already waits is that restart: its instance will see everything until then.
   */
  requestRestart(): Promise<void> {
    if (this.waiting) return Promise.resolve();
    let parked!: () => void;
    const waiting = new Promise<void>((resolve) => (parked = resolve));
    this.onWaiting.add(parked);
    return Promise.race([this.restart(), waiting]).finally(() => this.onWaiting.delete(parked));
  }

  /**
   * The one way an app stops for good: nothing restarts it afterwards; a restart or spawn in flight
   * finishes first. `kill`: SIGKILL at once, also for a stop already under way.
   */
  stop({ kill = false } = {}): Promise<void> {
    if (kill) {
      this.killing = true;
      if (this.stopped) void this.proc?.kill();
    }
    this.stopped ??= this.stopForGood();
    return this.stopped;
  }

  status(): ProcessStatus {
    const live = this.proc && this.proc.state !== 'exited' ? this.proc : undefined;
    const last = this.lastExit;
    return {
      name: this.name,
      kind: 'app',
      pid: live?.pid ?? null,
      state: this.state,
      restarts: this.restarts,
      startedAt: live?.startedAt?.toISOString() ?? null,
      lastExit: last ? { code: last.code, signal: last.signal, description: last.description } : null,
    };
  }

  private get graceMs(): number {
    return this.spec.stopGraceMs ?? this.ctx.graceMs;
  }

  private async stopForGood(): Promise<void> {
    this.gateWait?.abort();
    this.changes.cancel();
    clearTimeout(this.timer);
    this.queue.close();
    await this.queue.idle(); // a restart in flight finishes its stop and starts nothing
    await this.spawning; // a spawn in flight sees `stopped` and stops what it started
    const proc = this.proc;
    if (proc && proc.state !== 'exited') {
      this.state = 'stopping';
      await (this.killing ? proc.kill() : proc.stop(this.graceMs));
    }
    if (this.state !== 'failed') this.state = 'stopped';
  }

  private async spawn(): Promise<void> {
    const { name, command, cwd, env } = this.spec;
    const make = this.ctx.spawnProcess ?? ((o) => new ManagedProcess(o));
    const proc = make({ name, command, cwd, env, orphanGraceMs: this.graceMs });
    this.state = 'starting';
    this.replacing = false;
    this.changes.spawning();
    try {
      await proc.start();
    } catch (err) {
      this.state = 'failed';
      if (!(err instanceof ProcessStartError)) throw err;
      this.ctx.say(`${name}: ${err.reason}`);
      this.ctx.observer?.startFailed(name, err.reason);
      return;
    }
    if (this.started) this.restarts++;
    this.started = true;
    this.proc = proc;
    this.state = 'running';
    // A started ManagedProcess always has its pipes and pid.
    this.ctx.log.attach(name, proc.stdout!);
    this.ctx.log.attach(name, proc.stderr!);
    this.ctx.observer?.spawned(this.spec, proc);
    proc.once('exit', (info: ExitInfo) => {
      this.onExit(proc, info);
      if (proc === this.proc) this.ctx.observer?.exited(name, info, this.state);
    });
    this.ctx.say(`${name} started (pid ${proc.pid}): ${command}`);
    this.ctx.emit('started', { name, pid: proc.pid! });
    if (this.stopped) {
      // The stop began while we were spawning and could not see this process yet.
      this.state = 'stopping';
      await (this.killing ? proc.kill() : proc.stop(this.graceMs));
    }
  }

  // Runs inside the queue: the old group is gone before the new one starts.
  private async replaceInstance(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!(await this.awaitDependencies())) return;
    this.replacing = true;
    if (this.proc && this.proc.state !== 'exited') {
      trace(`${this.name}: stopping the old instance`);
      this.state = 'restarting';
      await this.proc.stop(this.graceMs);
    }
    if (this.stopped) return;
    trace(`${this.name}: old instance gone`);
    if (this.ctx.held()) {
      this.state = 'stopped'; // the supervisor starts every held app once the database is back
      return;
    }
    await this.start();
  }

  /** Wait, the old instance serving meanwhile, until the dependencies are there; false once stopped. */
  private async awaitDependencies(): Promise<boolean> {
    const gate = this.ctx.gate;
    if (gate && !this.ctx.held() && !gate.open(this.name)) {
      if (!this.proc || this.proc.state === 'exited') this.state = 'waiting';
      this.gateWait = new AbortController();
      for (const told of this.onWaiting) told();
      try {
        await gate.wait(this.name, this.gateWait.signal);
      } finally {
        this.gateWait = undefined;
      }
    }
    return !this.stopped;
  }

  /** Changes its newest instance may not have seen (see ChangeBursts): restart, ordered with the other apps. */
  private onFilesChanged(paths: string[], first: boolean): void {
    if (this.stopped) return;
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    this.ctx.say(`${this.name}: restarting${first ? '' : ' again'}, changed: ${shown}`);
    this.ctx.emit('change', { name: this.name, paths });
    if (this.ctx.changed) this.ctx.changed(this.name);
    else void this.restart();
  }

  private onExit(proc: ManagedProcess, info: ExitInfo): void {
    const name = this.name;
    this.ctx.log.flush(name);
    this.ctx.emit('exit', { name, ...info });
    if (proc !== this.proc) return;
    this.lastExit = info;
    if (info.requested || this.stopped) {
      if (this.state !== 'restarting') this.state = 'stopped';
      return;
    }
    if (this.waiting) {
      // A restart already waits for the dependencies: it is the one that starts it again.
      this.state = 'waiting';
      this.ctx.say(`${name} ${info.description}; its restart waits for its dependencies`);
      return;
    }
    const verdict = afterExit(this.spec, info);
    if (verdict === 'restart') {
      this.scheduleRestart(info);
      return;
    }
    this.state = verdict.state;
    this.ctx.say(verdict.line);
  }

  private scheduleRestart(info: ExitInfo): void {
    const delayMs = this.backoff.next(info.runMs);
    const attempt = this.backoff.attempt;
    this.state = 'backoff';
    this.ctx.say(`${this.name} ${info.description}; restarting in ${formatDelay(delayMs)} (attempt ${attempt})`);
    this.ctx.emit('restart-scheduled', { name: this.name, delayMs, attempt, code: info.code, signal: info.signal });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.queue.request();
    }, delayMs);
  }
}
