// Applying a new app list to running apps (a config reload): the plan's changes to the runners, the
// stack and the log, what is said about them, the restarts, and file watchers that follow the list.
import type { AppDefinition } from '../app-definition.js';
import { errorMessage } from '../errors.js';
import type { AppHolds } from './app-holds.js';
import type { AppRoster } from './app-roster.js';
import type { AppStack } from './app-stack.js';
import { planReconfigure } from './reconfigure-plan.js';
import type { ReconfigureOptions, SupervisorOptions } from './supervisor-options.js';
import { AppWatchers } from './watch-groups.js';

/** What to watch: the root, whether at all, the .gitignore, the config files, the extra ignore patterns. */
export type WatchOptions = Pick<SupervisorOptions, 'root' | 'watch' | 'gitignore' | 'configFiles' | 'ignore'>;

export interface ReconfigureHost {
  apps: AppRoster;
  stack: AppStack;
  holds: AppHolds;
  /** Make an app's name known to the log (padding, colour). */
  register(name: string): void;
  /** Stop the apps, restart the database, start them again; undefined: no database. */
  restartDatabase?: () => Promise<void>;
  say(line: string): void;
  closed(): boolean;
}

export class Reconfigurer {
  private readonly watchers: AppWatchers;
  /** The watchers' extra ignore patterns (devenv.json `watch.ignore`), as last configured. */
  private ignore: string[] | undefined;

  constructor(
    private readonly host: ReconfigureHost,
    private readonly opts: WatchOptions,
  ) {
    this.ignore = opts.ignore;
    this.watchers = new AppWatchers({
      root: opts.root,
      gitignore: opts.gitignore,
      configFiles: opts.configFiles,
      onError: (err) => host.say(`watcher: ${errorMessage(err)}`),
    });
  }

  /**
   * Changed apps restart with their new definition, new ones start, removed ones stop, unchanged ones
   * keep running; held apps only take their definitions. `restartDatabase`: the database restarts
   * around held apps instead. Rejects if the database does not come back.
   */
  async apply(specs: AppDefinition[], opts: ReconfigureOptions): Promise<void> {
    const { apps, stack, holds } = this.host;
    if (this.host.closed()) return;
    const current = apps.definitions();
    const plan = planReconfigure(this.opts.root, current, specs, { current: this.ignore, next: opts.ignore });
    for (const spec of plan.added) this.host.register(spec.name);
    stack.reconfigured(
      plan.next,
      plan.added.map((a) => a.name),
      plan.removed,
    );
    const removed = apps.adopt(plan);
    if (opts.ignore !== undefined) this.ignore = opts.ignore;
    // No file events for the old set while it changes; the new set gets fresh watchers below.
    if (plan.rewatch) await this.watchers.close();
    for (const name of plan.removed) this.host.say(`${name}: removed from the configuration; stopping`);
    for (const spec of plan.added) this.host.say(`${spec.name}: added to the configuration`);
    for (const spec of plan.changed) this.host.say(`${spec.name}: configuration changed; restarting`);
    await Promise.all(removed.map((a) => apps.retire(a)));
    if (opts.restartDatabase && this.host.restartDatabase) {
      await this.host.restartDatabase();
    } else if (!holds.held) {
      // A new definition: the old crash history does not apply (restart() forgets it).
      await stack.restart([...plan.changed, ...plan.added].map((a) => a.name));
    }
    if (plan.rewatch && !this.host.closed()) await this.watch();
  }

  /** Watch the apps' files as they are configured now (unless not watching at all); resolves after the first scans. */
  async watch(): Promise<void> {
    if (this.opts.watch === false) return;
    const { apps, stack } = this.host;
    // By name, not by runner: stopProcess() replaces runners, and an app that does not run ignores changes.
    const entries = apps.list.map(({ name, definition }) => ({
      definition,
      fileChanged: (rel: string, abs?: string) => {
        if (stack.isActive(name)) apps.find(name)?.fileChanged(rel, abs);
      },
    }));
    await this.watchers.open(entries, this.ignore);
    // Shutdown may have begun while the watchers made their first scan.
    if (this.host.closed()) await this.watchers.close();
  }

  /** No more file events (shutdown). */
  closeWatchers(): Promise<void> {
    return this.watchers.close();
  }
}
