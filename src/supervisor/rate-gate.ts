// A bound on how fast one process's output is read, so that a flood costs the supervisor a bounded share.
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

/** Log output beyond this rate waits in the process's pipe (a slow terminal does the same). */
export const MAX_BYTES_PER_SECOND = 16 * 1024 * 1024;

/**
 * Reads from a stream at most `perSecond` bytes a second, in 100 ms steps: past a step's share the
 * stream is paused until the next step, and the process writing into it waits. A process flooding
 * its output (`yes`, a debug print in a loop) then costs the supervisor a bounded share of a CPU
 * and its logs a bounded churn, instead of all it can take.
 */
export class RateGate {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    private readonly stream: Readable,
    private readonly perSecond: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** `bytes` were just read from the stream. */
  take(bytes: number): void {
    const now = this.clock();
    if (now - this.windowStart >= 100) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += bytes;
    if (this.used < this.perSecond / 10) return;
    this.stream.pause();
    const resume = setTimeout(() => this.stream.resume(), Math.max(1, this.windowStart + 100 - now));
    resume.unref();
  }
}
