// The apps' runners under one supervisor: one per configured app, in the configured order, and those
// removed or stopped for good whose stop is still in flight (shutdown waits for them).
import type { AppDefinition } from '../app-definition.js';
import type { AppRunner } from './app-runner.js';
import type { ReconfigurePlan } from './reconfigure-plan.js';

export interface RosterHost {
  /** A fresh runner for this definition, not started. */
  make(spec: AppDefinition): AppRunner;
  /** Stops kill at once (a second shutdown request). */
  killing(): boolean;
  closed(): boolean;
}

export class AppRoster {
  private runners: AppRunner[];
  private readonly retiring = new Set<AppRunner>();

  constructor(
    specs: AppDefinition[],
    private readonly host: RosterHost,
  ) {
    this.runners = specs.map((spec) => host.make(spec));
  }

  /** The configured apps' runners, in their order. */
  get list(): readonly AppRunner[] {
    return this.runners;
  }

  /** What a shutdown stops: the list and the runners still retiring. */
  all(): AppRunner[] {
    return [...this.runners, ...this.retiring];
  }

  find(name: string): AppRunner | undefined {
    return this.runners.find((a) => a.name === name);
  }

  definitions(): AppDefinition[] {
    return this.runners.map((a) => a.definition);
  }

  /** Before the first start: the same apps, with their final definitions. */
  redefineAll(specs: AppDefinition[]): void {
    const byName = new Map(specs.map((s) => [s.name, s]));
    if (specs.length !== this.runners.length || this.runners.some((a) => !byName.has(a.name))) {
      throw new Error('startApps: the definitions must name the same apps');
    }
    for (const app of this.runners) app.redefine(byName.get(app.name)!);
  }

  /**
   * Take a reconfigure plan: the list becomes the new apps in their order (kept runners, fresh ones for
   * added apps), changed ones take their new definitions. Returns the removed runners, still to retire.
   */
  adopt(plan: ReconfigurePlan): AppRunner[] {
    const runners = new Map(this.runners.map((a) => [a.name, a]));
    const removed = this.runners.filter((a) => plan.removed.includes(a.name));
    this.runners = plan.next.map((spec) => runners.get(spec.name) ?? this.host.make(spec));
    for (const spec of plan.changed) runners.get(spec.name)?.redefine(spec);
    return removed;
  }

  /** Stop one app for good (a stop request) and put a fresh runner in its place, which a start can start. */
  async retireOne(name: string): Promise<void> {
    const app = this.find(name);
    if (!app) return;
    await this.retire(app);
    const at = this.runners.indexOf(app);
    if (at !== -1 && !this.host.closed()) this.runners[at] = this.host.make(app.definition);
  }

  /** Stop a runner for good; shutdown waits for it meanwhile. */
  async retire(app: AppRunner): Promise<void> {
    this.retiring.add(app);
    try {
      await app.stop({ kill: this.host.killing() });
    } finally {
      this.retiring.delete(app);
    }
  }
}
