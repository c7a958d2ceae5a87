// Postgres brought back after a control client (a snapshot restore) went away with it stopped: what the
// client left half done is finished first, and a start that fails is tried again with backoff until it
// works or `up` stops. Until then the apps stay down: an app never starts on no database.
import { errorMessage } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import type { ProjectPaths } from '../project/paths.js';
import { swapInterrupted } from '../snapshot/interrupted-swap.js';
import { Backoff, formatDelay } from '../supervisor/backoff.js';

export interface RecoveryContext {
  /** Finish what the client left half done to the cluster's files (a killed restore's swap). */
  repair: () => Promise<void>;
  /** Start postgres (rejects when it does not start). */
  start: () => Promise<void>;
  say: (line: string) => void;
  /** True once `up` stops: no more tries. */
  stopping: () => boolean;
  /** Wait this long, or less when `up` stops meanwhile (default: sleepUnless). */
  sleep?: (ms: number) => Promise<void>;
  backoff?: Backoff;
}

/** Resolves true once postgres runs, false when `up` stops first. */
export async function bringBackDatabase(ctx: RecoveryContext): Promise<boolean> {
  const backoff = ctx.backoff ?? new Backoff();
  for (;;) {
    if (ctx.stopping()) return false;
    try {
      await ctx.repair();
      await ctx.start();
      return !ctx.stopping();
    } catch (err) {
      if (ctx.stopping()) return false;
      const delay = backoff.next(0);
      ctx.say(`${errorMessage(err)}; the apps stay stopped, trying postgres again in ${formatDelay(delay)}`);
      await (ctx.sleep ?? ((ms) => sleepUnless(ms, ctx.stopping)))(delay);
    }
  }
}

/** Sleep `ms`, ending early (within 100 ms) once `stop` says so: a `down` meanwhile is not kept waiting. */
export async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stop() && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
  }
}

/** A restore killed mid-swap, finished as a snapshot command's tidy-up would (saying so). */
export async function finishRestoreSwap(
  paths: ProjectPaths,
  fs: ClusterFs,
  say: (line: string) => void,
): Promise<void> {
  if (!swapInterrupted(paths)) return;
  const { finishInterruptedSwap } = await import('../snapshot/finish-swap.js');
  await finishInterruptedSwap(paths, fs, say);
}
