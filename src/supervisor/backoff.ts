// Crash-restart delays: exponential, capped, forgotten after a healthy run.

export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Cap. Default 30 s. */
  maxMs?: number;
  /** Growth per consecutive crash. Default 2. */
  factor?: number;
  /** A run at least this long counts as healthy and resets the delay. Default 10 s. */
  healthyAfterMs?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly healthyAfterMs: number;
  private failures = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.healthyAfterMs = opts.healthyAfterMs ?? 10_000;
  }

  /** Number of consecutive crashes counted so far. */
  get attempt(): number {
    return this.failures;
  }

  /** Record a crash after a run of `runMs` and return how long to wait before restarting. */
  next(runMs: number): number {
    if (runMs >= this.healthyAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures++;
    return delay;
  }

  /** Forget past crashes (e.g. after a restart the user asked for). */
  reset(): void {
    this.failures = 0;
  }
}

/** A delay for a log line: "500 ms", "1.5 s", "30 s". */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
