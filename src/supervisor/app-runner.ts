// One app under the supervisor: its instances one after another, restarts on change and on crash
// (with backoff), and one way to stop it.
import type { AppDefinition } from '../app-definition.js';
import { errorMessage } from '../errors.js';
import { Backoff, type BackoffOptions, formatDelay } from './backoff.js';
import { Debouncer } from './debounce.js';
import type { LogOutput } from './log-output.js';
import { type ExitInfo, ManagedProcess, ProcessStartError } from './managed-process.js';
import type { Emit, ProcessStatus, SupervisedState } from './process-status.js';
import { isFailure, shouldRestart } from './restart-policy.js';
import { RestartQueue } from './restart-queue.js';

export interface AppRunnerContext {
  log: LogOutput;
  /** A line under the supervisor's own name. */
  say: (line: string) => void;
  emit: Emit;
  /** SIGTERM → SIGKILL grace when the app sets none. */
  graceMs: number;
  debounceMs: number;
  backoff?: BackoffOptions;
  /** True while the apps are held down (the database restarts): a restart then only stops. */
  held: () => boolean;
}

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
  private readonly debouncer: Debouncer<string>;
  /** A spawn in flight, which a stop must wait for. */
  private spawning: Promise<void> | undefined;
  /** Set by stop(): from then on nothing starts again. */
  private stopped: Promise<void> | undefined;
  private killing = false;

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
    this.debouncer = new Debouncer<string>((paths) => this.onFilesChanged(paths), ctx.debounceMs);
  }

  get name(): string {
    return this.spec.name;
  }

  get definition(): AppDefinition {
    return this.spec;
  }

  /** A file-change debounce or a restart is pending (a crash backoff is not). */
  get busy(): boolean {
    return this.debouncer.pending || this.queue.running || this.queue.pending;
  }

  /** Take a new definition (a configuration reload); the next instance uses it. */
  redefine(spec: AppDefinition): void {
    this.spec = spec;
  }

  /** Start an instance now. A command that cannot run is said, and the app waits in "failed". */
  start(): Promise<void> {
    const spawning = this.spawn();
    this.spawning = spawning;
    return spawning.finally(() => {
      if (this.spawning === spawning) this.spawning = undefined;
    });
  }

  /** A watched file changed: one restart after the debounce, however many events come. */
  fileChanged(rel: string): void {
    this.debouncer.push(rel);
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
    this.debouncer.cancel();
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
    const proc = new ManagedProcess({ name, command, cwd, env, orphanGraceMs: this.graceMs });
    this.state = 'starting';
    try {
      await proc.start();
    } catch (err) {
      this.state = 'failed';
      if (!(err instanceof ProcessStartError)) throw err;
      this.ctx.say(`${name}: ${err.reason}`);
      return;
    }
    if (this.started) this.restarts++;
    this.started = true;
    this.proc = proc;
    this.state = 'running';
    // A started ManagedProcess always has its pipes and pid.
    this.ctx.log.attach(name, proc.stdout!);
    this.ctx.log.attach(name, proc.stderr!);
    proc.once('exit', (info: ExitInfo) => this.onExit(proc, info));
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
    if (this.proc && this.proc.state !== 'exited') {
      this.state = 'restarting';
      await this.proc.stop(this.graceMs);
    }
    if (this.stopped) return;
    if (this.ctx.held()) {
      this.state = 'stopped'; // the supervisor starts every held app once the database is back
      return;
    }
    await this.start();
  }

  private onFilesChanged(paths: string[]): void {
    if (this.stopped) return;
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    this.ctx.say(`${this.name}: restarting, changed: ${shown}`);
    this.ctx.emit('change', { name: this.name, paths });
    void this.restart();
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
    if (info.code === 127 || info.code === 126) {
      // Retrying cannot help until something changes.
      this.state = 'failed';
      const hint = info.code === 127 ? 'check the command in your configuration' : 'check its permissions';
      this.ctx.say(`${name}: ${info.description}: ${this.spec.command} (${hint}); waiting for a file change`);
      return;
    }
    const policy = this.spec.restart ?? 'on-failure';
    if (!shouldRestart(policy, info)) {
      this.state = isFailure(info) ? 'crashed' : 'exited';
      this.ctx.say(`${name} ${info.description}; not restarting (restart: ${policy})`);
      return;
    }
    this.scheduleRestart(info);
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
