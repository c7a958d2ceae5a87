// Restarts that belong together, in dependency order. A file change often touches several apps at once
// (migrate, web and worker all watch the project): they are collected into one wave, the tasks whose
// results other apps consumed bring those along, and every member is marked as restarting before any
// of them restarts, so each waits for the new instances of what it needs (migrate completes, then web
// restarts, then worker once web is ready). A member whose dependency fails keeps its old instance.
import type { AppGraph } from '../app-graph.js';

export interface WaveTarget {
  graph(): AppGraph;
  /** Should it run (started, not stopped on request)? Only those restart. */
  active(name: string): boolean;
  /** Mark it as restarting (ReadinessBoard.expectRestart). */
  expectRestart(name: string): void;
  /**
   * Restart it; its dependency gate holds the new instance back until they are there. Resolves once
   * it has restarted or waits for them (a dependency that failed must not hold up the caller).
   */
  restart(name: string): Promise<void>;
  /** A restart of it already waits for its dependencies: it will see everything this wave brings. */
  waiting(name: string): boolean;
  /** A line under the supervisor's name. */
  say(line: string): void;
}

export class RestartWaves {
  private readonly collected = new Set<string>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly target: WaveTarget) {}

  /** `name` wants a restart for a file change: it joins the wave of this turn of the event loop. */
  changed(name: string): void {
    this.collected.add(name);
    // The watchers of one change report to their apps within the same turn: wait for the rest of it.
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      const names = [...this.collected];
      this.collected.clear();
      void this.run(names);
    });
  }

  /** A wave is being collected. */
  get pending(): boolean {
    return this.scheduled !== undefined;
  }

  /**
   * Restart `names` and the apps that wait for one of them to complete, each once what it needs is
   * back. Resolves when every member has restarted or waits for what it needs.
   */
  run(names: Iterable<string>): Promise<void> {
    const { target } = this;
    const asked = new Set(names);
    const members = target
      .graph()
      .withCompletedDependents(asked)
      .filter((n) => target.active(n));
    for (const name of members) target.expectRestart(name);
    for (const name of members) {
      if (asked.has(name)) continue;
      const after = target
        .graph()
        .dependencies(name)
        .filter(([dep, c]) => c === 'completed' && members.includes(dep))
        .map(([dep]) => dep);
      target.say(`${name}: restarting once ${after.join(' and ')} completed again`);
    }
    return Promise.all(members.filter((n) => !target.waiting(n)).map((n) => target.restart(n))).then(() => {});
  }

  cancel(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.collected.clear();
  }
}
