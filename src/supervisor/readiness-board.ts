// How far each app's current instance has got (started, ready, completed, failed), and the waits of
// apps that need another to get somewhere before they start. One place, so that a dependent learns
// of its dependency's progress at once (no polling between processes).
import type { DependencyCondition } from '../app-definition.js';

export type ReadyState =
  | 'idle' // no instance (not started yet, or between a stop and the next start)
  | 'starting' // spawned, not ready yet (probing, or within the grace)
  | 'ready'
  | 'completed' // exited 0 and stays down
  | 'failed' // could not start, exited otherwise, or missed its probe's timeout
  | 'stopped'; // stopped on request, for good

interface Entry {
  state: ReadyState;
  /** Why it is starting or failed: "failing probe: …", "exited 1". */
  detail: string | null;
  /** A restart is on its way: conditions on it wait for the next instance. */
  restarting: boolean;
}

/** The edges the board needs: what each app waits for. */
export interface Dependencies {
  dependencies(name: string): [string, DependencyCondition][];
}

const IDLE: Entry = { state: 'idle', detail: null, restarting: false };

export class ReadinessBoard {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Set<() => void>();

  /** `onChange`: told each time an app's state changes (not its detail). */
  constructor(
    private graph: Dependencies,
    private readonly onChange?: (name: string, state: ReadyState) => void,
  ) {}

  /** New dependencies (a configuration reload): waiting apps look again. */
  setGraph(graph: Dependencies): void {
    this.graph = graph;
    this.changed();
  }

  get(name: string): Readonly<Entry> {
    return this.entries.get(name) ?? IDLE;
  }

  /** A new instance runs: what it reaches from now on counts. */
  spawned(name: string): void {
    this.update(name, { state: 'starting', detail: null, restarting: false });
  }

  /** It is still starting; `detail` says what the probe last said. */
  starting(name: string, detail: string | null): void {
    this.update(name, { state: 'starting', detail });
  }

  ready(name: string): void {
    this.update(name, { state: 'ready', detail: null });
  }

  /** The instance ended by itself and stays down (`completed` when it exited 0), or missed its probe. */
  ended(name: string, state: 'completed' | 'failed' | 'idle', detail: string | null = null): void {
    this.update(name, { state, detail });
  }

  /** A start that could not run: a restart that was expected is over. */
  startFailed(name: string, detail: string): void {
    this.update(name, { state: 'failed', detail, restarting: false });
  }

  stopped(name: string): void {
    this.update(name, { state: 'stopped', detail: null, restarting: false });
  }

  /** A restart was asked for: until its new instance runs, nothing counts this one as there. */
  expectRestart(name: string): void {
    this.update(name, { restarting: true });
  }

  forget(name: string): void {
    this.entries.delete(name);
    this.changed();
  }

  /** Does `dep` meet `condition` now? */
  meets(dep: string, condition: DependencyCondition): boolean {
    const { state, restarting } = this.get(dep);
    if (restarting) return false;
    switch (condition) {
      case 'started':
        return state === 'starting' || state === 'ready' || state === 'completed';
      case 'ready':
        return state === 'ready' || state === 'completed';
      case 'completed':
        return state === 'completed';
    }
  }

  /** May `name` start: does every dependency meet its condition? */
  met(name: string): boolean {
    return this.graph.dependencies(name).every(([dep, condition]) => this.meets(dep, condition));
  }

  /** The first dependency `name` waits for, and how far it is ("migrate (exited 1)"), or null. */
  blocker(name: string): string | null {
    for (const [dep, condition] of this.graph.dependencies(name)) {
      if (!this.meets(dep, condition)) return `${dep} (${this.progress(dep, condition)})`;
    }
    return null;
  }

  /**
   * Is `name` held up by a dependency that will not get there by itself: one that failed or was
   * stopped, or that waits in turn for such a one.
   */
  stuck(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    return this.graph.dependencies(name).some(([dep, condition]) => {
      if (this.meets(dep, condition)) return false;
      const { state, restarting } = this.get(dep);
      if (state === 'failed' || state === 'stopped') return !restarting;
      if (condition === 'completed' && state === 'ready') return false; // a task still running
      return this.stuck(dep, seen);
    });
  }

  /** Resolves true once `holds()` does (checked at each change and at poke()), false when aborted. */
  until(holds: () => boolean, signal?: AbortSignal): Promise<boolean> {
    if (holds()) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = () => {
        if (!holds()) return;
        finish(true);
      };
      const abort = () => finish(false);
      const finish = (ok: boolean) => {
        this.waiters.delete(check);
        signal?.removeEventListener('abort', abort);
        resolve(ok);
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Something the waits may depend on changed outside the board (the apps were held). */
  poke(): void {
    this.changed();
  }

  /** A few words on how far `name` is, for "waiting for NAME (…)". */
  progress(name: string, condition?: DependencyCondition): string {
    const { state, detail, restarting } = this.get(name);
    if (restarting) return 'restarting';
    // A task on its way to completing is simply running, whatever its probe says.
    if (condition === 'completed' && (state === 'starting' || state === 'ready')) return 'running';
    switch (state) {
      case 'idle':
        return 'not started';
      case 'starting':
        return detail ?? 'starting';
      case 'ready':
        return 'running';
      case 'failed':
        return detail ?? 'failed';
      default:
        return state;
    }
  }

  private update(name: string, change: Partial<Entry>): void {
    const before = this.get(name).state;
    this.entries.set(name, { ...this.get(name), ...change });
    this.changed();
    const after = this.get(name).state;
    if (after !== before) this.onChange?.(name, after);
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }
}
