// The database under the supervisor: started first, brought back after a crash (with backoff),
// restarted on request, stopped last. Every start goes through launch(), every stop through halt().
import { errorMessage } from '../errors.js';
import { describeExit, type ExitStatus } from '../util/exit-status.js';
import { Backoff, type BackoffOptions, formatDelay } from './backoff.js';
import type { Emit, ProcessStatus, SupervisedState } from './process-status.js';

export interface DatabaseService {
  /** Resolves once the database accepts connections. */
  start(): Promise<void>;
  /** Orderly stop; resolves once it is gone. */
  stop(): Promise<void>;
  /** Called when the database dies without stop() having been asked for. */
  onUnexpectedExit(cb: (info: ExitStatus) => void): void;
  /** Optional: immediate stop, used on a second shutdown request (falls back to stop()). */
  kill?(): Promise<void>;
  /** Optional: shown in the status snapshot. */
  readonly pid?: number | null;
}

/** The database did not start. The runner has already said why; the cause is kept. */
export class DatabaseStartError extends Error {
  constructor(databaseName: string, cause: unknown) {
    super(`${databaseName} failed to start: ${errorMessage(cause)}`, { cause });
    this.name = 'DatabaseStartError';
  }
}

export interface DatabaseRunnerContext {
  name: string;
  say: (line: string) => void;
  emit: Emit;
  backoff?: BackoffOptions;
  /** True once the supervisor shuts down: no recovery after that. */
  closed: () => boolean;
}

export class DatabaseRunner {
  readonly name: string;
  private state: SupervisedState = 'pending';
  private restarts = 0;
  private startedAt: Date | undefined;
  private lastExit: ExitStatus | undefined;
  private readonly backoff: Backoff;
  /** A crash recovery waiting out its backoff. */
  private timer: NodeJS.Timeout | undefined;
  /** The last start, which a stop waits for. */
  private starting: Promise<void> | undefined;
  /** A stop under way: an exit meanwhile is expected, and a second shutdown request kills it. */
  private stopping: Promise<void> | undefined;
  private killing = false;

  constructor(
    private readonly db: DatabaseService,
    private readonly ctx: DatabaseRunnerContext,
  ) {
    this.name = ctx.name;
    this.backoff = new Backoff(ctx.backoff);
    db.onUnexpectedExit((info) => this.onUnexpectedExit(info));
  }

  /** The first start. Rejects with DatabaseStartError. */
  async start(): Promise<void> {
    this.ctx.say(`starting ${this.name}`);
    await this.launchOrFail();
  }

  /**
   * Stop and start again on request (its settings changed). Rejects with DatabaseStartError when it
   * does not come back; a later call may try again.
   */
  async restart(): Promise<void> {
    this.cancelRecovery(); // a crash recovery waiting in backoff: this restart replaces it
    await this.starting?.catch(() => {});
    if (this.ctx.closed()) return;
    await this.halt();
    if (this.ctx.closed()) return;
    await this.launchOrFail();
    this.backoff.reset();
    this.restarted();
  }

  /**
   * Stop on request and stay down (its files are about to change under it) until resume(). An exit
   * meanwhile is expected, so no recovery starts.
   */
  async pause(): Promise<void> {
    this.cancelRecovery();
    await this.starting?.catch(() => {});
    if (this.ctx.closed()) return;
    if (this.state === 'running' || this.state === 'starting' || this.state === 'backoff') await this.halt();
  }

  /** Start again after pause(). Rejects with DatabaseStartError; a later call may try again. */
  async resume(): Promise<void> {
    if (this.ctx.closed() || this.state === 'running') return;
    await this.launchOrFail();
    this.backoff.reset();
    this.restarted();
  }

  /** No crash recovery from now on: the supervisor shuts down (the apps stop first, then stop()). */
  cancelRecovery(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The orderly stop at shutdown, never in the middle of its own start or stop. */
  async stop(): Promise<void> {
    await this.stopping?.catch(() => {});
    await this.starting?.catch(() => {});
    if (this.state === 'running' || this.state === 'starting' || this.state === 'backoff') await this.halt();
  }

  /** A second shutdown request: a stop under way ends at once, and a coming one is a kill. */
  async escalate(): Promise<void> {
    this.killing = true;
    if (this.stopping && this.db.kill) await this.db.kill();
  }

  status(): ProcessStatus {
    const last = this.lastExit;
    return {
      name: this.name,
      kind: 'database',
      pid: this.state === 'running' ? (this.db.pid ?? null) : null,
      state: this.state,
      restarts: this.restarts,
      startedAt: this.startedAt?.toISOString() ?? null,
      lastExit: last ? { ...last, description: describeExit(last) } : null,
    };
  }

  /** The one way the database starts: remembered, so a stop that comes meanwhile waits for it. */
  private async launch(): Promise<void> {
    this.state = 'starting';
    this.starting = this.db.start();
    await this.starting;
    this.startedAt = new Date();
    this.state = 'running';
  }

  /** A start that must succeed (the first, or one asked for): a failure is said once and passed on. */
  private async launchOrFail(): Promise<void> {
    try {
      await this.launch();
    } catch (err) {
      this.state = 'failed';
      this.ctx.say(`${this.name} failed to start: ${errorMessage(err)}`);
      throw new DatabaseStartError(this.name, err);
    }
  }

  /** The one way the database stops; a failure to stop cleanly is said, not thrown. */
  private async halt(): Promise<void> {
    this.state = 'stopping';
    this.stopping = this.killing && this.db.kill ? this.db.kill() : this.db.stop();
    try {
      await this.stopping;
    } catch (err) {
      this.ctx.say(`${this.name} did not stop cleanly: ${errorMessage(err)}`);
    } finally {
      this.stopping = undefined;
    }
    this.state = 'stopped';
  }

  private restarted(): void {
    this.restarts++;
    this.ctx.say(`${this.name} restarted`);
    this.ctx.emit('database-restarted', { restarts: this.restarts });
  }

  private onUnexpectedExit(info: ExitStatus): void {
    if (this.ctx.closed() || this.stopping) return;
    this.lastExit = info;
    this.scheduleRecovery(`${this.name} ${describeExit(info)} unexpectedly`, info);
  }

  // One log line per attempt: what happened, and when the next try is. The apps keep running
  // meanwhile: most reconnect, and one that does not crashes and gets its own backoff.
  private scheduleRecovery(what: string, info: ExitStatus): void {
    this.state = 'backoff';
    const runMs = this.startedAt ? Date.now() - this.startedAt.getTime() : 0;
    const delayMs = this.backoff.next(runMs);
    this.ctx.say(`${what}; restarting in ${formatDelay(delayMs)}`);
    const { code, signal } = info;
    this.ctx.emit('restart-scheduled', { name: this.name, delayMs, attempt: this.backoff.attempt, code, signal });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.recover(), delayMs);
  }

  private async recover(): Promise<void> {
    this.timer = undefined;
    if (this.ctx.closed()) return;
    try {
      await this.launch();
    } catch (err) {
      if (this.ctx.closed()) return;
      this.startedAt = undefined; // a failed start is not a run: keep backing off
      this.scheduleRecovery(`${this.name} failed to restart: ${errorMessage(err)}`, { code: null, signal: null });
      return;
    }
    this.restarted();
  }
}
