// Config reload while `up` runs: an edit of devenv.json, .env or the Procfile restarts only the apps
// it changes; a postgres.settings or postgres.tcp edit restarts postgres around held apps (settings
// postgres refuses are rolled back); new databases, extensions or a role are provisioned before the
// apps see them; with postgres.branches, a git branch switch moves the apps to that branch's database
// (made while they are stopped: a copy needs its source idle). An invalid file is one line, and the
// running configuration stays.
import path from 'node:path';
import type { AppDefinition } from '../app-definition.js';
import { errorMessage, UserError } from '../errors.js';
import type { Config } from '../project/config.js';
import { DOTENV_FILE } from '../project/dotenv-file.js';
import { clientDatabase, type Project } from '../project/project.js';
import { CONFIG_FILE } from '../project/root.js';
import { DatabaseStartError } from '../supervisor/database-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { Debouncer } from '../util/debounce.js';
import type { Mutex } from '../util/mutex.js';
import { RestartQueue } from '../util/restart-queue.js';
import { DatabaseSwitch } from './database-switch.js';
import { GitHeadWatch } from './git-head-watch.js';
import type { UpPhase } from './state.js';
import { type NamesWatch, watchNames } from './watch-names.js';

/** Files whose change is a configuration reload (new environment, processes, settings), not a plain restart. */
export const CONFIG_FILES = [CONFIG_FILE, DOTENV_FILE, 'Procfile.dev', 'Procfile'];

/**
 * Settings that identify the cluster: changing them needs a new `devenv up`. (`postgres.database` is not
 * one: a new name is a database made on the running server, and the apps move to it.)
 */
const KEPT = ['version', 'binaries', 'runAs'] as const;

/** The hold a reload takes on the apps while postgres restarts and is provisioned. */
const RELOAD_HOLD = 'reload';
/** What a branch switch is called among the changed files. */
export const GIT_HEAD = 'git HEAD';

/** What a reload changes: the apps and the database (the Supervisor is one; tests use a fake). */
export type ReloadTarget = Pick<Supervisor, 'reconfigure' | 'holdApps' | 'releaseApps' | 'restartDatabase'>;

/** The project `up` runs with, replaced whole by a reload (LiveProject is one). */
export interface ProjectHolder {
  readonly current: Project;
  replace(next: Project): void;
}

export interface ConfigReloadContext {
  target: ReloadTarget;
  project: ProjectHolder;
  /** The project from the files at its root, or from `config`; an invalid file throws its UserError. */
  load: (config?: Config) => Project;
  /** The apps of a project, with their environment. */
  apps: (project: Project) => AppDefinition[];
  /** Role, databases, extensions, TCP password (and a pending setup) on the running server. */
  provision: () => Promise<void>;
  /** Work that changes what runs, one at a time (reloads, control requests). */
  exclusive: Mutex;
  say: (line: string) => void;
  phase: () => UpPhase;
  /** After each reload that changed something (publish the new state). */
  applied: () => void;
  /** postgres did not come back even with the previous settings: the run must end. */
  fatal: () => void;
  /** Each change of a watched file as it comes (before the burst that makes one reload): `GIT_HEAD` for a switch. */
  touched?: (file: string) => void;
}

/** What in the new configuration needs postgres restarted, as the keys that changed. */
function restartReasons(previous: Config, next: Config): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const tcp = (c: Config) => c.postgres.tcp ?? false;
  const reasons: string[] = [];
  if (!same(previous.postgres.settings, next.postgres.settings)) reasons.push('postgres.settings');
  if (!same(tcp(previous), tcp(next))) reasons.push('postgres.tcp');
  return reasons;
}

export class ConfigReload {
  /** One reload at a time; a change during one queues one more, and a burst is one reload. */
  private readonly queue: RestartQueue;
  private readonly changes: Debouncer<string>;
  private files: NamesWatch | undefined;
  private readonly head: GitHeadWatch;
  /** A change came while everything was still starting: applied once it is up. */
  private missed = false;
  private readonly databases: DatabaseSwitch;

  constructor(private readonly ctx: ConfigReloadContext) {
    this.queue = new RestartQueue(
      () => this.reload(),
      (err) => ctx.say(`reload failed: ${errorMessage(err)}`),
    );
    this.databases = new DatabaseSwitch({ ...ctx, hold: RELOAD_HOLD, retry: () => void this.queue.request() });
    this.changes = new Debouncer<string>(
      (files) => this.changed(files),
      ctx.project.current.config.watch.debounceMs ?? 100,
    );
    this.head = new GitHeadWatch(
      () => this.note(GIT_HEAD),
      (err) => ctx.say(`git HEAD watcher: ${errorMessage(err)}`),
    );
  }

  /**
   * Resolves once the configuration files (and the git HEAD) are watched: `up` says "running" after it, so
   * an edit made once `up -d` returned is seen (a busy machine took longer for the first scan than the start).
   */
  watching: Promise<void> = Promise.resolve();

  /** Watch the configuration files at the project root. */
  watch(): void {
    const { root } = this.ctx.project.current;
    // Only the config files at the root; everything else is the app watchers' business.
    this.files = watchNames(
      root,
      (p) => CONFIG_FILES.includes(path.relative(root, p)),
      (file) => this.note(path.relative(root, file)),
      (err) => this.ctx.say(`config watcher: ${errorMessage(err)}`),
    );
    this.watching = Promise.all([
      this.files.watching,
      this.head.follow(this.ctx.project.current.branch?.head ?? null),
    ]).then(() => {});
  }

  /** Everything is up: apply a change that came meanwhile. */
  ready(): void {
    if (this.missed) void this.queue.request();
  }

  async close(): Promise<void> {
    this.databases.close();
    this.changes.cancel();
    this.queue.close();
    await this.files?.close();
    await this.head.close();
  }

  private note(file: string): void {
    this.ctx.touched?.(file);
    this.changes.push(file);
  }

  private changed(files: string[]): void {
    const phase = this.ctx.phase();
    if (phase === 'starting') this.missed = true;
    if (phase !== 'running') return;
    // A switch is said once its database is known (most HEAD rewrites change nothing).
    const edited = files.filter((f) => f !== GIT_HEAD);
    if (edited.length) this.ctx.say(`${edited.join(', ')} changed: reloading the configuration`);
    void this.queue.request();
  }

  /** Read the files again and apply what changed (what the watchers queue; tests call it directly). */
  async reload(): Promise<void> {
    const next = this.readProject();
    if (!next) return;
    if (this.ctx.exclusive.busy) this.ctx.say('another devenv command is using devenv up: the reload waits for it');
    await this.ctx.exclusive.run(() => this.apply(next));
    await this.head.follow(this.ctx.project.current.branch?.head ?? null);
    this.ctx.applied();
  }

  private async apply(next: Project): Promise<void> {
    // It may have waited for a control request past the start of a shutdown.
    if (this.ctx.phase() !== 'running') return;
    const { target, project } = this.ctx;
    const previous = project.current;
    const reasons = restartReasons(previous.config, next.config);
    const ignore = next.config.watch.ignore ?? [];
    project.replace(next);
    const moved = clientDatabase(next) !== clientDatabase(previous);
    // A move, or another try at the database the apps wait for.
    if ((moved || this.databases.waiting) && reasons.length === 0) {
      await this.databases.move(previous, next, ignore, moved);
      return;
    }
    if (reasons.length === 0) {
      await this.provision();
      await target.reconfigure(this.ctx.apps(project.current), { ignore });
      return;
    }
    this.ctx.say(
      `${reasons.join(' and ')} changed: restarting postgres (apps stop first and start again after it is back)`,
    );
    await target.holdApps(RELOAD_HOLD, 'restarting postgres: stopping the apps first');
    try {
      try {
        await target.restartDatabase();
      } catch (err) {
        if (!(err instanceof DatabaseStartError)) throw err;
        await this.rollBack(previous, reasons);
        return;
      }
      // The server may have picked its port just now: the current project follows it (LiveProject.settle).
      await this.provision();
    } finally {
      await target.releaseApps(RELOAD_HOLD, this.ctx.apps(project.current), { ignore });
    }
  }

  /** Provisioning that fails is said; the rest of the reload still applies, and the next one tries again. */
  private async provision(): Promise<void> {
    try {
      await this.ctx.provision();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.ctx.say(`${err.message} (fix ${CONFIG_FILE}: the next change tries again)`);
    }
  }

  // The new settings keep postgres from starting: go back to the ones that worked.
  private async rollBack(previous: Project, reasons: string[]): Promise<void> {
    this.ctx.say(
      `postgres did not start with the new ${reasons.join(' and ')}; ` +
        `restarting it with the previous ones (fix ${CONFIG_FILE})`,
    );
    const current = this.ctx.project.current;
    this.ctx.project.replace(this.ctx.load({ ...current.config, postgres: previous.config.postgres }));
    try {
      await this.ctx.target.restartDatabase();
    } catch (err) {
      if (!(err instanceof DatabaseStartError)) throw err;
      this.ctx.say(`postgres did not come back: ${errorMessage(err.cause)}; stopping`);
      this.ctx.fatal();
    }
  }

  /**
   * Re-read devenv.json, .env and the Procfile. An invalid file is one line and null. Settings that
   * identify the cluster are kept as they are.
   */
  private readProject(): Project | null {
    const current = this.ctx.project.current;
    try {
      const fresh = this.ctx.load();
      const kept = current.config.postgres;
      const changed = KEPT.filter((k) => fresh.config.postgres[k] !== kept[k]);
      if (changed.length) {
        const them = changed.length > 1 ? 'them' : 'it';
        this.ctx.say(
          `postgres.${changed.join(', postgres.')} changed: stop and run \`devenv up\` again to apply ${them}`,
        );
      }
      const postgres = { ...fresh.config.postgres };
      for (const k of KEPT) (postgres as Record<string, unknown>)[k] = kept[k];
      const project = this.ctx.load({ ...fresh.config, postgres });
      // A bad process definition is one line here too, before anything stops.
      this.ctx.apps(project);
      return project;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.ctx.say(`${err.message}; keeping the running configuration`);
      return null;
    }
  }
}
