// The apps as a stack: which of them should run (all, or `up NAME...` and what they need, minus those
// stopped on request), the gate that holds each start back until its dependencies are there, how far
// each app is, and starting, stopping and restarting one app with its dependency rules.
import type { AppDefinition } from '../app-definition.js';
import { AppGraph } from '../app-graph.js';
import { didYouMean } from '../util/nearest-word.js';
import { telltaleLines } from '../util/text.js';
import type { AppRunner } from './app-runner.js';
import type { ProcessOutcome, Readiness } from './process-status.js';
import { ReadinessBoard, type ReadyState } from './readiness-board.js';
import { ReadinessTracker } from './readiness-tracker.js';
import { RestartWaves } from './restart-waves.js';
import type { StartGate } from './runner-context.js';

/** What the stack needs of its supervisor. */
export interface StackHost {
  runner(name: string): AppRunner | undefined;
  /** Stop `name` for good and put a fresh runner, not started, in its place. */
  retire(name: string): Promise<void>;
  /** The apps are held down (a database restart): no start goes ahead. */
  held(): boolean;
  closed(): boolean;
  say(line: string): void;
  /** An app's readiness changed. */
  changed(name: string, state: ReadyState): void;
}

export class AppStack {
  readonly board: ReadinessBoard;
  readonly tracker: ReadinessTracker;
  readonly waves: RestartWaves;
  private graph: AppGraph;
  private readonly active = new Set<string>();
  /** Started without a subset: apps a reload adds start too. */
  private everything = true;

  constructor(
    apps: AppDefinition[],
    private readonly host: StackHost,
    graceMs?: number,
  ) {
    this.graph = new AppGraph(apps);
    this.board = new ReadinessBoard(this.graph, (name, state) => host.changed(name, state));
    this.tracker = new ReadinessTracker(this.board, graceMs);
    this.waves = new RestartWaves({
      graph: () => this.graph,
      active: (n) => this.active.has(n),
      expectRestart: (n) => this.board.expectRestart(n),
      restart: (n) => this.host.runner(n)?.requestRestart() ?? Promise.resolve(),
      waiting: (n) => this.host.runner(n)?.waiting ?? false,
      say: (l) => host.say(l),
    });
  }

  /** For each runner: its start waits until its dependencies meet their conditions (or the apps are held). */
  readonly gate: StartGate = {
    open: (name) => this.board.met(name),
    wait: (name, signal) => this.waitForDependencies(name, signal),
  };

  isActive(name: string): boolean {
    return this.active.has(name);
  }

  /** The apps the first start runs: `only` and what they need, or all. Throws on an unknown name. */
  choose(only?: string[]): string[] {
    for (const n of only ?? []) this.require(n);
    this.everything = only === undefined;
    const names = only ? this.graph.requires(only) : this.graph.order;
    for (const n of names) this.active.add(n);
    return names;
  }

  /** A new configuration: its dependencies count from now on; added apps run when everything does. */
  reconfigured(next: AppDefinition[], added: string[], removed: string[]): void {
    for (const n of removed) {
      this.active.delete(n);
      this.board.forget(n);
    }
    if (this.everything) for (const n of added) this.active.add(n);
    this.graph = new AppGraph(next);
    this.board.setGraph(this.graph);
  }

  /** Restart these (those that should run) in dependency order, with what consumed their results. */
  restart(names: Iterable<string>): Promise<void> {
    return this.waves.run([...names].filter((n) => this.active.has(n)));
  }

  /** The unknown-name line for a control request. */
  require(name: string): void {
    if (this.graph.has(name)) return;
    const names = this.graph.order;
    throw new Error(`there is no process "${name}"${didYouMean(name, names)} (processes: ${names.join(', ')})`);
  }

  /** The apps, dependencies before their dependents. */
  get names(): readonly string[] {
    return this.graph.order;
  }

  /** Start `name` and what it needs that does not run: not started, stopped, or failed. Returns those it started. */
  async launch(name: string): Promise<string[]> {
    const launched: string[] = [];
    if (this.host.closed()) return launched;
    for (const n of this.graph.requires([name])) {
      const runner = this.host.runner(n)!;
      const state = runner.status().state;
      const down = state === 'pending' || state === 'stopped' || state === 'crashed' || state === 'failed';
      if (this.active.has(n) && !(down || (n === name && state === 'exited'))) continue;
      this.active.add(n);
      launched.push(n);
      if (this.board.get(n).state !== 'idle') this.board.expectRestart(n); // what counts is its next instance
      this.host.say(n === name ? `${n}: starting` : `${n}: starting (${name} needs it)`);
      if (state === 'pending') await runner.start();
      else void runner.restart();
    }
    return launched;
  }

  /** Stop `name` for good, the apps that need it first (each waits for its group to be gone). Returns those stopped. */
  async stop(name: string): Promise<string[]> {
    const order = [name, ...this.graph.dependents(name)].filter((n) => this.active.has(n)).reverse();
    const stopped: string[] = [];
    for (const n of order) {
      if (this.host.closed()) break;
      this.active.delete(n);
      this.host.say(n === name ? `${n}: stopping` : `${n}: stopping (it needs ${name})`);
      await this.host.retire(n);
      this.tracker.stopped(n);
      stopped.push(n);
    }
    return stopped;
  }

  /**
   * Where `name` gets to once a start or restart asked for is over: ready or completed (ok), or failed
   * (it exited, could not run, or missed its probe's timeout), or waiting on a dependency that will not
   * get there by itself; or the run moved on (stopped, held, shutting down).
   */
  async outcome(name: string): Promise<ProcessOutcome> {
    await this.board.until(() => this.settled(name));
    const pid = this.host.runner(name)?.status().pid ?? null;
    const not = (text: string, lastLines: string[] = []) => ({ ok: false, text, pid, lastLines });
    if (this.host.closed()) return not('devenv up is stopping');
    if (!this.active.has(name)) return not('stopped meanwhile');
    if (this.host.held()) return not('stopped again meanwhile: postgres restarts with the apps held');
    const { state, detail, restarting } = this.board.get(name);
    if (!restarting && this.arrived(name, state)) return { ok: true, text: state, pid, lastLines: [] };
    if (!restarting && state === 'failed')
      return not(detail ?? 'failed', telltaleLines(this.tracker.lastLines(name), 5));
    return not(`waiting for ${this.board.blocker(name) ?? 'its dependencies'}`);
  }

  private settled(name: string): boolean {
    if (this.host.closed() || this.host.held() || !this.active.has(name) || this.board.stuck(name)) return true;
    const { state, restarting } = this.board.get(name);
    return !restarting && (this.arrived(name, state) || state === 'failed');
  }

  /** Ready, or completed; a task (another app waits for it to complete) only once it has. */
  private arrived(name: string, state: ReadyState): boolean {
    return state === 'completed' || (state === 'ready' && !this.graph.isTask(name));
  }

  /**
   * Resolves once `name`'s new instance runs, or it cannot yet: a dependency failed or was stopped, the
   * apps are held, or the supervisor is shutting down.
   */
  started(name: string): Promise<unknown> {
    return this.board.until(() => {
      const { state, restarting } = this.board.get(name);
      return (
        (!restarting && state !== 'idle') ||
        this.board.stuck(name) ||
        this.host.held() ||
        this.host.closed() ||
        !this.active.has(name)
      );
    });
  }

  /** How far `name` is, for `devenv status`. */
  readiness(runner: AppRunner): Readiness {
    const name = runner.name;
    const { state, restarting } = this.board.get(name);
    if (runner.waiting) {
      const blocker = this.board.blocker(name) ?? 'the apps to be released';
      if (runner.status().state === 'waiting') return { state: 'waiting', text: `waiting for ${blocker}` };
      return { state, text: `${this.progress(name)}; its restart waits for ${blocker}` };
    }
    if (!this.active.has(name) && state !== 'stopped') return { state: 'idle', text: 'not started' };
    return { state, text: restarting ? 'restarting' : this.progress(name) };
  }

  close(): void {
    this.waves.cancel();
    this.tracker.close();
  }

  private progress(name: string): string {
    const { state, detail } = this.board.get(name);
    if (state === 'ready' || state === 'completed' || state === 'stopped') return state;
    return state === 'idle' ? 'not started' : (detail ?? state);
  }

  /** The gate's wait; says once when it cannot end by itself (a dependency failed). */
  private async waitForDependencies(name: string, signal: AbortSignal): Promise<void> {
    const done = new AbortController();
    const onAbort = () => done.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    void this.board
      .until(() => this.board.stuck(name), done.signal)
      .then((stuck) => {
        if (stuck) this.host.say(`${name}: waiting for ${this.board.blocker(name)}`);
      });
    try {
      await this.board.until(() => this.host.held() || this.board.met(name), signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      done.abort();
    }
  }
}
