// Repeat a readiness probe until it passes: fast at first, so a process that is ready in 30 ms is seen
// ready in about 30 ms, then less and less often, up to its interval. A probe that costs next to nothing
// (a connect) can stay fast for a while: a dev server is ready within seconds, and each millisecond
// between its ready and our noticing is one its dependents wait. Past the timeout the process is
// reported as failed once, and the probe goes on at the interval (a slow first build may still finish).
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.js';

/** The first wait after a failed attempt; each next one is twice as long, up to `intervalMs`. */
export const FIRST_INTERVAL_MS = 10;
/** Defaults of devenv.json `ready.intervalMs` and `ready.timeoutMs` (documented in the schema). */
export const DEFAULT_INTERVAL_MS = 250;
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The longest wait while a probe stays fast (`fastForMs`): half of it is the mean delay it adds. */
export const FAST_INTERVAL_MS = 20;
/** How long the http and tcp probes stay fast (a refused connect costs ~0.1 ms: ~25 ms of CPU in all). */
export const FAST_PERIOD_MS = 5000;
/** One attempt may take this long, or the interval when that is longer, before it counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 2000;

export interface ProbeTiming {
  intervalMs?: number;
  timeoutMs?: number;
  /** For this long from the start, attempts are at most FAST_INTERVAL_MS apart. Default 0. */
  fastForMs?: number;
}

export interface ProbeEvents {
  ready(): void;
  /** An attempt failed; the next one is on its way. */
  failing(error: string): void;
  /** Not ready after timeoutMs (said once). */
  timedOut(error: string): void;
}

/** One attempt: resolves when ready, rejects with the reason it is not; stops when `signal` aborts. */
export type ProbeAttempt = (signal: AbortSignal) => Promise<void>;

export class ProbeLoop {
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly fastForMs: number;
  private delay = FIRST_INTERVAL_MS;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private lastError = 'no attempt has finished';
  private inFlight: AbortController | undefined;
  /** wake() came during an attempt: try again as soon as it fails. */
  private again = false;
  private done = false;
  private timedOut = false;

  constructor(
    private readonly attempt: ProbeAttempt,
    timing: ProbeTiming,
    private readonly events: ProbeEvents,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalMs = Math.max(FIRST_INTERVAL_MS, timing.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timeoutMs = timing.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fastForMs = timing.fastForMs ?? 0;
  }

  /** First attempt now. */
  start(): void {
    this.startedAt = this.now();
    // On time even when an attempt hangs or the interval is long.
    this.deadline = setTimeout(() => this.expire(), this.timeoutMs);
    void this.run();
  }

  /** Something happened that may make it pass (a log line): attempt now rather than at the next tick. */
  wake(): void {
    if (this.done) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.run();
  }

  /** Stop probing (the instance exited or stops); no event follows. */
  cancel(): void {
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  private expire(): void {
    if (this.done || this.timedOut) return;
    this.timedOut = true;
    this.events.timedOut(this.lastError);
  }

  private async run(): Promise<void> {
    if (this.done) return;
    const controller = new AbortController();
    this.inFlight = controller;
    const limit = setTimeout(() => controller.abort(), Math.max(ATTEMPT_TIMEOUT_MS, this.intervalMs));
    let error: string | null = null;
    try {
      await this.attempt(controller.signal);
    } catch (err) {
      error = controller.signal.aborted && !this.done ? 'no answer in time' : errorMessage(err);
    } finally {
      clearTimeout(limit);
      this.inFlight = undefined;
    }
    if (this.done) return;
    if (error === null) {
      this.done = true;
      clearTimeout(this.deadline);
      this.events.ready();
      return;
    }
    this.failed(error);
  }

  private failed(error: string): void {
    this.lastError = error;
    if (!this.timedOut && this.now() - this.startedAt >= this.timeoutMs) this.expire();
    else this.events.failing(error);
    if (this.done) return; // an event handler cancelled
    const wait = this.again ? 0 : this.delay;
    this.again = false;
    this.delay = Math.min(this.intervalMs, this.delay * 2);
    if (this.now() - this.startedAt < this.fastForMs) this.delay = Math.min(this.delay, FAST_INTERVAL_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, wait);
  }
}
