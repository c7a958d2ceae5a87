// The file watchers behind app restarts: apps watching the same paths share one watcher.
import { resolve } from 'node:path';
import type { AppDefinition } from '../app-definition.js';
import { watchKey } from './reconfigure-plan.js';
import { ProjectWatcher } from './watcher.js';

export interface WatchGroup {
  /** The paths as the apps name them (relative to the root or absolute). */
  paths: string[];
  /** The apps that restart on a change under them. */
  names: string[];
}

/** Group apps by what they watch; apps that watch nothing (`watch: []`) are in no group. */
export function watchGroups(root: string, apps: AppDefinition[]): WatchGroup[] {
  const groups = new Map<string, WatchGroup>();
  for (const app of apps) {
    const paths = app.watch ?? ['.'];
    if (paths.length === 0) continue;
    const key = watchKey(root, app).join('\0');
    const group = groups.get(key) ?? { paths, names: [] };
    group.names.push(app.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface AppWatchersOptions {
  root: string;
  /** Honour the root .gitignore. Default true. */
  gitignore?: boolean;
  /** Root-relative files nobody restarts for (the caller reloads them itself). */
  configFiles?: string[];
  onError: (err: unknown) => void;
}

/** One watcher per group, each passing a changed path to its apps. */
export class AppWatchers {
  private watchers: ProjectWatcher[] = [];

  constructor(private readonly opts: AppWatchersOptions) {}

  /** Watch for these apps (after close()); resolves once the first scans are done. */
  async open(apps: { definition: AppDefinition; fileChanged(rel: string): void }[], ignore?: string[]): Promise<void> {
    const root = resolve(this.opts.root);
    const byName = new Map(apps.map((a) => [a.definition.name, a]));
    const configFiles = new Set(this.opts.configFiles ?? []);
    for (const group of watchGroups(
      root,
      apps.map((a) => a.definition),
    )) {
      const members = group.names.map((n) => byName.get(n)!);
      const watcher = new ProjectWatcher({
        root,
        paths: group.paths,
        gitignore: this.opts.gitignore,
        ignore,
        extraIgnored: configFiles.size ? (rel) => configFiles.has(rel) : undefined,
        onChange: (rel) => {
          for (const app of members) app.fileChanged(rel);
        },
        onError: this.opts.onError,
      });
      this.watchers.push(watcher);
    }
    await Promise.all(this.watchers.map((w) => w.ready));
  }

  async close(): Promise<void> {
    await Promise.all(this.watchers.splice(0).map((w) => w.close()));
  }
}
