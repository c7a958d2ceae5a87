// Config reload while `up` runs: an edit of devenv.json, .env or the Procfile restarts only the apps
// it changes; a postgres.settings edit restarts postgres around held apps, and settings postgres
// refuses are rolled back. An invalid file is one line, and the running configuration stays.
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { AppDefinition } from '../app-definition.js';
import { errorMessage, UserError } from '../errors.js';
import type { PostgresService } from '../postgres/service.js';
import { DOTENV_FILE } from '../project/dotenv-file.js';
import { type Project, projectAt } from '../project/project.js';
import { CONFIG_FILE } from '../project/root.js';
import { DatabaseStartError } from '../supervisor/database-runner.js';
import { Debouncer } from '../supervisor/debounce.js';
import { RestartQueue } from '../supervisor/restart-queue.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { projectApps } from './app-env.js';
import type { UpPhase } from './state.js';

/** Files whose change is a configuration reload (new environment, processes, settings), not a plain restart. */
export const CONFIG_FILES = [CONFIG_FILE, DOTENV_FILE, 'Procfile.dev', 'Procfile'];

/** Settings that identify the cluster: changing them needs a new `devenv up`. */
const KEPT = ['database', 'version', 'binaries', 'runAs'] as const;

export interface ConfigReloadContext {
  /** The ad-hoc command of `up -- CMD` (it stays the app whatever the files say). */
  command: string[];
  supervisor: Supervisor;
  service: PostgresService;
  say: (line: string) => void;
  phase: () => UpPhase;
  /** After each reload that changed something (publish the new state). */
  applied: () => void;
  /** postgres did not come back even with the previous settings: the run must end. */
  fatal: () => void;
}

export class ConfigReload {
  private project: Project;
  /** One reload at a time; a change during one queues one more, and a burst is one reload. */
  private readonly queue: RestartQueue;
  private readonly changes: Debouncer<string>;
  private watcher: FSWatcher | undefined;
  /** A change came while everything was still starting: applied once it is up. */
  private missed = false;

  constructor(
    project: Project,
    private readonly ctx: ConfigReloadContext,
  ) {
    this.project = project;
    this.queue = new RestartQueue(
      () => this.reload(),
      (err) => ctx.say(`reload failed: ${errorMessage(err)}`),
    );
    this.changes = new Debouncer<string>((files) => this.changed(files), project.config.watch.debounceMs ?? 100);
  }

  /** Watch the configuration files at the project root. */
  watch(): void {
    const root = this.project.root;
    this.watcher = watch(root, {
      depth: 0,
      ignoreInitial: true,
      atomic: true,
      // Only the config files at the root; everything else is the app watchers' business.
      ignored: (p: string) => p !== root && !CONFIG_FILES.includes(path.relative(root, p)),
    });
    this.watcher.on('all', (_event, file) => this.changes.push(path.relative(root, file)));
    this.watcher.on('error', (err) => this.ctx.say(`config watcher: ${errorMessage(err)}`));
  }

  /** Everything is up: apply a change that came meanwhile. */
  ready(): void {
    if (this.missed) void this.queue.request();
  }

  async close(): Promise<void> {
    this.changes.cancel();
    this.queue.close();
    await this.watcher?.close();
  }

  private changed(files: string[]): void {
    const phase = this.ctx.phase();
    if (phase === 'starting') this.missed = true;
    if (phase !== 'running') return;
    this.ctx.say(`${files.join(', ')} changed: reloading the configuration`);
    void this.queue.request();
  }

  private async reload(): Promise<void> {
    const next = this.readProject();
    if (!next) return;
    const { supervisor, service } = this.ctx;
    const previous = this.project;
    const settingsChanged =
      JSON.stringify(next.project.config.postgres.settings) !== JSON.stringify(previous.config.postgres.settings);
    this.project = next.project;
    service.useProject(this.project);
    const ignore = this.project.config.watch.ignore ?? [];
    if (!settingsChanged) {
      await supervisor.reconfigure(next.apps, { ignore });
    } else {
      this.ctx.say('postgres.settings changed: restarting postgres (apps stop first and start again after it is back)');
      try {
        await supervisor.reconfigure(next.apps, { restartDatabase: true, ignore });
      } catch (err) {
        if (!(err instanceof DatabaseStartError)) throw err;
        await this.rollBack(previous);
      }
    }
    this.ctx.applied();
  }

  // The new settings keep postgres from starting: go back to the ones that worked.
  private async rollBack(previous: Project): Promise<void> {
    this.ctx.say(
      'postgres did not start with the new postgres.settings; ' +
        `restarting it with the previous ones (fix ${CONFIG_FILE})`,
    );
    this.project = { ...this.project, config: { ...this.project.config, postgres: previous.config.postgres } };
    this.ctx.service.useProject(this.project);
    try {
      await this.ctx.supervisor.restartDatabase();
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
  private readProject(): { project: Project; apps: AppDefinition[] } | null {
    const current = this.project;
    try {
      const fresh = projectAt(current.root);
      const kept = current.config.postgres;
      const changed = KEPT.filter((k) => fresh.config.postgres[k] !== kept[k]);
      if (changed.length) {
        const them = changed.length > 1 ? 'them' : 'it';
        this.ctx.say(
          `postgres.${changed.join(', postgres.')} changed: stop and run \`devenv up\` again to apply ${them}`,
        );
      }
      const project: Project = {
        ...current,
        config: { ...fresh.config, postgres: { ...kept, settings: fresh.config.postgres.settings } },
      };
      return { project, apps: projectApps(project, this.ctx.command) };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      this.ctx.say(`${err.message}; keeping the running configuration`);
      return null;
    }
  }
}
