// What a configuration reload changes, decided without touching a process.
import { resolve } from 'node:path';
import type { AppDefinition } from '../app-definition.js';

export interface ReconfigurePlan {
  /** Apps no longer configured: they stop for good. */
  removed: string[];
  /** New apps: they start. */
  added: AppDefinition[];
  /** Apps whose definition changed: they restart with the new one. */
  changed: AppDefinition[];
  /** Every app of the new configuration, in its order (unchanged ones keep running). */
  next: AppDefinition[];
  /** The file watchers must be rebuilt: apps came or went, watched paths or ignore patterns changed. */
  rewatch: boolean;
}

/**
 * Compare the running apps with a new configuration. `ignore`: the watchers' current extra ignore
 * patterns and the new ones (undefined: unchanged).
 */
export function planReconfigure(
  root: string,
  current: AppDefinition[],
  next: AppDefinition[],
  ignore: { current: string[] | undefined; next: string[] | undefined } = { current: undefined, next: undefined },
): ReconfigurePlan {
  const running = new Map(current.map((a) => [a.name, a]));
  const wanted = new Set(next.map((a) => a.name));
  const removed = current.filter((a) => !wanted.has(a.name)).map((a) => a.name);
  const added = next.filter((a) => !running.has(a.name));
  const changed = next.filter((a) => {
    const old = running.get(a.name);
    return old !== undefined && !sameDefinition(old, a);
  });
  const moved = changed.some((a) => !sameJson(watchKey(root, running.get(a.name)!), watchKey(root, a)));
  const ignoreChanged = ignore.next !== undefined && !sameJson(ignore.next, ignore.current ?? []);
  return { removed, added, changed, next, rewatch: removed.length > 0 || added.length > 0 || moved || ignoreChanged };
}

/** The absolute paths an app watches, sorted: apps with the same key share a watcher. */
export function watchKey(root: string, app: AppDefinition): string[] {
  return (app.watch ?? ['.']).map((p) => resolve(root, p)).sort();
}

/** Same definition, with defaults applied; environments compare by content, whatever their key order. */
export function sameDefinition(a: AppDefinition, b: AppDefinition): boolean {
  const env = (e: NodeJS.ProcessEnv | undefined) =>
    e ? Object.entries(e).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)) : null;
  return (
    a.command === b.command &&
    resolve(a.cwd) === resolve(b.cwd) &&
    (a.restart ?? 'on-failure') === (b.restart ?? 'on-failure') &&
    a.stopGraceMs === b.stopGraceMs &&
    sameJson(a.watch ?? null, b.watch ?? null) &&
    sameJson(env(a.env), env(b.env)) &&
    sameJson(a.dependsOn ?? {}, b.dependsOn ?? {}) &&
    sameJson(a.ready ?? null, b.ready ?? null)
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
