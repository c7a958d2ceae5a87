// Follows each app instance from its spawn to ready (its probe, or the grace without one) and to its
// end, and tells the board; keeps each app's last output lines for showing why it failed.
import type { AppDefinition } from '../app-definition.js';
import { formatDelay } from './backoff.js';
import type { ExitInfo, ManagedProcess } from './managed-process.js';
import { OutputTail } from './output-tail.js';
import { DEFAULT_TIMEOUT_MS, FAST_PERIOD_MS, ProbeLoop } from './probe-loop.js';
import type { SupervisedState } from './process-status.js';
import type { ReadinessBoard } from './readiness-board.js';
import { LogMatch, probeAttempt } from './ready-probes.js';

/**
 * Without a probe, an app is ready once it has run this long. A missing module or a port in use makes a
 * small Node app exit 70–120 ms after its spawn here (measured on a loaded 2-core machine), a bigger one
 * later as it loads more: 300 ms catches those without making its dependents wait noticeably. A crash
 * later than that is a crash, handled by the restart policy, not a readiness question.
 */
export const GRACE_MS = 300;

/** What the tracker watches on one instance; cancel() when it ends. */
interface Watch {
  cancel(): void;
}

export class ReadinessTracker {
  private readonly watches = new Map<string, Watch>();
  private readonly tails = new Map<string, OutputTail>();

  constructor(
    private readonly board: ReadinessBoard,
    private readonly graceMs = GRACE_MS,
  ) {}

  /** A new instance of `app` runs. */
  spawned(app: AppDefinition, proc: ManagedProcess): void {
    const { name } = app;
    this.watches.get(name)?.cancel();
    this.board.spawned(name);
    // This instance's lines only: why it failed is not in what an earlier one said.
    const tail = new OutputTail();
    this.tails.set(name, tail);
    for (const stream of [proc.stdout, proc.stderr]) if (stream) tail.attach(stream);
    this.watches.set(name, this.watchReady(app, proc));
  }

  startFailed(name: string, reason: string): void {
    this.watches.get(name)?.cancel();
    this.board.startFailed(name, reason);
  }

  /** Its instance has exited; `state` is what the runner made of it (see AppRunner.onExit). */
  exited(name: string, info: ExitInfo, state: SupervisedState): void {
    this.watches.get(name)?.cancel();
    this.watches.delete(name);
    if (state === 'exited') this.board.ended(name, 'completed');
    else if (state === 'crashed' || state === 'failed') this.board.ended(name, 'failed', shortExit(info));
    else if (state === 'backoff') this.board.ended(name, 'failed', `${shortExit(info)}; restarting`);
    else this.board.ended(name, 'idle'); // stopped for a restart or for good, or its restart waits
  }

  /** Stopped on request, for good. */
  stopped(name: string): void {
    this.watches.get(name)?.cancel();
    this.watches.delete(name);
    this.board.stopped(name);
  }

  /** The last lines `name`'s current (or last) instance wrote, oldest first. */
  lastLines(name: string, n?: number): string[] {
    return this.tails.get(name)?.last(n) ?? [];
  }

  /** Stop every probe (shutdown). */
  close(): void {
    for (const w of this.watches.values()) w.cancel();
    this.watches.clear();
  }

  private watchReady(app: AppDefinition, proc: ManagedProcess): Watch {
    const { name, ready } = app;
    // Events of an instance that is no longer the one watched are late: they say nothing.
    let watch: Watch;
    const current = () => this.watches.get(name) === watch;
    if (!ready) {
      const timer = setTimeout(() => {
        if (current() && proc.state === 'running') this.board.ready(name);
      }, this.graceMs);
      watch = { cancel: () => clearTimeout(timer) };
      return watch;
    }
    let timedOut = false;
    const events = {
      ready: () => current() && this.board.ready(name),
      failing: (error: string) => {
        if (!current()) return;
        if (timedOut) this.board.ended(name, 'failed', `not ready after ${formatDelay(timeoutOf(app))}: ${error}`);
        else this.board.starting(name, `failing probe: ${error}`);
      },
      timedOut: (error: string) => {
        timedOut = true;
        events.failing(error);
      },
    };
    let match: LogMatch | undefined;
    let attempt: ConstructorParameters<typeof ProbeLoop>[0];
    if (ready.kind === 'log') {
      match = new LogMatch(ready.pattern, () => loop.wake());
      for (const stream of [proc.stdout, proc.stderr]) if (stream) match.watch(stream);
      attempt = match.attempt;
    } else {
      attempt = probeAttempt(ready, { cwd: app.cwd, env: app.env });
    }
    // A connect is cheap enough to repeat every few ms while a server starts; a command is not.
    const fastForMs = ready.kind === 'http' || ready.kind === 'tcp' ? FAST_PERIOD_MS : 0;
    const loop = new ProbeLoop(attempt, { ...ready, fastForMs }, events);
    watch = {
      cancel: () => {
        loop.cancel();
        match?.close();
      },
    };
    // Started once registered: the first attempt may answer at once.
    queueMicrotask(() => {
      if (current()) loop.start();
    });
    return watch;
  }
}

/** "exited 1", as `waiting for migrate (exited 1)` says it; signals and 126/127 as describeExit says them. */
function shortExit(info: ExitInfo): string {
  const { code, signal } = info;
  return signal === null && code !== null && code !== 126 && code !== 127 ? `exited ${code}` : info.description;
}

function timeoutOf(app: AppDefinition): number {
  return app.ready?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}
