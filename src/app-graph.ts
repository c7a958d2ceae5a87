// The apps' dependencies (`dependsOn`) as a graph: the rules a set of apps obeys together, checked
// by the project at load and by the supervisor, and the orders and closures the supervisor needs
// (start order, `up NAME` with what it needs, the dependents a stop takes down first).
import {
  type AppDefinition,
  DATABASE_NAME,
  DEPENDENCY_CONDITIONS,
  type DependencyCondition,
} from './app-definition.js';
import { didYouMean } from './util/nearest-word.js';

type GraphApp = Pick<AppDefinition, 'name' | 'dependsOn' | 'restart'>;

/**
 * What is wrong with the apps' dependencies, as one line starting with the app's key
 * (`web.dependsOn: …`), or null. Unknown names, a cycle, a condition that cannot be met.
 */
export function dependencyProblem(apps: readonly GraphApp[]): string | null {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const names = [...byName.keys()];
  for (const app of apps) {
    for (const [dep, condition] of Object.entries(app.dependsOn ?? {})) {
      const at = `${app.name}.dependsOn`;
      if (!DEPENDENCY_CONDITIONS.includes(condition)) {
        return `${at}.${dep}: must be one of ${DEPENDENCY_CONDITIONS.map((c) => `"${c}"`).join(', ')}`;
      }
      if (dep === app.name) return `${at}: a process cannot depend on itself`;
      const target = byName.get(dep);
      if (!target) {
        if (dep === DATABASE_NAME) {
          return `${at}: postgres is started and set up before every process anyway; remove it from dependsOn`;
        }
        return `${at}: there is no process "${dep}"${didYouMean(dep, names)}`;
      }
      if (condition === 'completed' && (target.restart ?? 'on-failure') === 'always') {
        return (
          `${at}.${dep}: "completed" waits for ${dep} to exit 0, but ${dep} restarts always, so it never ` +
          `stays exited; wait for "ready" instead, or give ${dep} restart "on-failure" or "never"`
        );
      }
    }
  }
  const cycle = findCycle(apps);
  return cycle ? `${cycle[0]}.dependsOn: a cycle: ${cycle.join(' → ')}` : null;
}

/** A dependency cycle as the names along it, first name repeated at the end, or null. */
function findCycle(apps: readonly GraphApp[]): string[] | null {
  const deps = new Map(apps.map((a) => [a.name, Object.keys(a.dependsOn ?? {})]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name];
    if (done.has(name) || !deps.has(name)) return null;
    path.push(name);
    for (const dep of deps.get(name)!) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    done.add(name);
    return null;
  };
  for (const app of apps) {
    const found = visit(app.name);
    if (found) return found;
  }
  return null;
}

/** The dependencies of a valid set of apps (dependencyProblem() found nothing). */
export class AppGraph {
  private readonly deps = new Map<string, [string, DependencyCondition][]>();
  /** Every app, dependencies before their dependents; otherwise in the configured order. */
  readonly order: string[] = [];

  constructor(apps: readonly Pick<AppDefinition, 'name' | 'dependsOn'>[]) {
    for (const app of apps) this.deps.set(app.name, Object.entries(app.dependsOn ?? {}));
    const placed = new Set<string>();
    const place = (name: string, seen: Set<string>) => {
      if (placed.has(name) || seen.has(name) || !this.deps.has(name)) return; // a cycle: not ours to report
      seen.add(name);
      for (const [dep] of this.deps.get(name)!) place(dep, seen);
      placed.add(name);
      this.order.push(name);
    };
    for (const app of apps) place(app.name, new Set());
  }

  has(name: string): boolean {
    return this.deps.has(name);
  }

  /** What `name` waits for, by dependency. */
  dependencies(name: string): [string, DependencyCondition][] {
    return this.deps.get(name) ?? [];
  }

  /** `names` and everything they need, transitively, in start order. */
  requires(names: Iterable<string>): string[] {
    const wanted = new Set<string>();
    const add = (name: string) => {
      if (wanted.has(name)) return;
      wanted.add(name);
      for (const [dep] of this.dependencies(name)) add(dep);
    };
    for (const n of names) add(n);
    return this.sorted(wanted);
  }

  /** Every app that needs `name`, directly or not, in start order (its own dependents after it). */
  dependents(name: string): string[] {
    return this.sorted(this.reach([name], () => true));
  }

  /**
   * `names` plus the apps that wait for one of them to complete, transitively, in start order: a task
   * that runs again is followed by a restart of what consumed its result.
   */
  withCompletedDependents(names: Iterable<string>): string[] {
    const start = [...names];
    return this.sorted(new Set([...start, ...this.reach(start, (c) => c === 'completed')]));
  }

  /** Does another app wait for `name` to complete (is it a task)? */
  isTask(name: string): boolean {
    for (const deps of this.deps.values()) if (deps.some(([d, c]) => d === name && c === 'completed')) return true;
    return false;
  }

  /** In start order. */
  sorted(names: Iterable<string>): string[] {
    const set = new Set(names);
    return this.order.filter((n) => set.has(n));
  }

  /** Apps reached from `from` against the dependency edges that `follow` accepts (`from` excluded). */
  private reach(from: string[], follow: (c: DependencyCondition) => boolean): Set<string> {
    const found = new Set<string>();
    const queue = [...from];
    while (queue.length > 0) {
      const target = queue.shift()!;
      for (const [name, deps] of this.deps) {
        if (found.has(name) || !deps.some(([d, c]) => d === target && follow(c))) continue;
        found.add(name);
        queue.push(name);
      }
    }
    for (const n of from) found.delete(n);
    return found;
  }
}
