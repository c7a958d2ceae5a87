// An app's file events in bursts, and which of them its newest instance may not have seen: only those
// restart it. The first event of a burst is acted on at once, the rest of the burst once at its end.
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BurstGate } from '../util/debounce.js';

/** How far a file's change time may lag behind the wall clock (the kernel's coarse clock). */
const CTIME_SLACK_MS = 15;

export class ChangeBursts {
  private readonly gate: BurstGate<string>;
  /** When the last file event came, and when the newest instance began to spawn (performance.now()). */
  private lastChangeAt = 0;
  private spawnedAt = 0;
  /** The same spawn by the wall clock, which file times are in. */
  private spawnedWall = 0;
  /** Where each changed path of the current burst is, to look at its modification time. */
  private readonly changedFiles = new Map<string, string>();

  /**
   * `restart`: the changes the newest instance may not have seen (`first`: the first event of a burst).
   * `onItsWay`: a restart is on its way, whose instance will see every change so far.
   */
  constructor(
    debounceMs: number,
    private readonly onItsWay: () => boolean,
    private readonly restart: (paths: string[], first: boolean) => void,
  ) {
    this.gate = new BurstGate<string>((paths, first) => this.burst(paths, first), debounceMs);
  }

  /** The rest of a burst waits for its end. */
  get pending(): boolean {
    return this.gate.pending;
  }

  /** A watched file changed (`abs`: where it is, to look at its change time). */
  push(rel: string, abs?: string): void {
    this.lastChangeAt = performance.now();
    if (abs) this.changedFiles.set(rel, abs);
    this.gate.push(rel);
  }

  /** The newest instance begins to spawn now: it reads every file as it is from here on. */
  spawning(): void {
    this.spawnedAt = performance.now();
    this.spawnedWall = Date.now();
  }

  /** Forget the burst (the app stops for good). */
  cancel(): void {
    this.gate.cancel();
  }

  /**
   * The first change of a burst restarts at once, the rest of it once more at its end; either only
   * when the newest instance (started, or on its way) may not have seen it: changes while the old one
   * is still stopping are seen by the new one anyway (an editor's save is often two or three events).
   */
  private burst(paths: string[], first: boolean): void {
    const covered = this.coveredByLastStart(paths);
    // A burst's paths are kept until it ends, no longer.
    for (const rel of this.changedFiles.keys()) if (!first || !paths.includes(rel)) this.changedFiles.delete(rel);
    if (!covered) this.restart(paths, first);
  }

  /**
   * Did the newest instance start after these changes, so that it read them? Yes while a restart is
   * still on its way, or when every event came before the spawn. An event after it may be a late
   * echo of a save it saw (a slow write gives two events, a loaded machine delivers them late): the
   * file's change time tells.
   */
  private coveredByLastStart(paths: string[]): boolean {
    if (this.onItsWay() || this.lastChangeAt < this.spawnedAt) return true;
    // File times come from a clock that lags by up to a tick (1–10 ms): stay on the safe side of it.
    const before = this.spawnedWall - CTIME_SLACK_MS;
    return paths.every((rel) => {
      const abs = this.changedFiles.get(rel);
      if (!abs) return false;
      try {
        // The change time, not the modification time: a file moved into place keeps its old mtime.
        return statSync(abs).ctimeMs < before;
      } catch {
        return false; // removed: when, we cannot tell
      }
    });
  }
}
