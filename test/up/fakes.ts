// Fakes for the reload and control logic of `devenv up` (concurrently's flow-control tests are the
// model): a target that records what it was asked to do, projects built by the real chain from a
// config in memory, and apps named after the database they would use. No process, no file: milliseconds.
import type { AppDefinition } from '../../src/app-definition.js';
import type { Config } from '../../src/project/config.js';
import { clientDatabase, type Project, projectAt } from '../../src/project/project.js';
import { DatabaseStartError } from '../../src/supervisor/database-runner.js';
import type { ProcessOutcome } from '../../src/supervisor/process-status.js';
import type { ReloadTarget } from '../../src/up/config-reload.js';
import type { ControlTarget } from '../../src/up/control-session.js';

/** Never created: a project's paths are computed, not touched. */
const ROOT = '/nonexistent/devenv-fake-project';

export function config(postgres: Partial<Config['postgres']> = {}, watch: Config['watch'] = {}): Config {
  return { postgres: { database: 'shop', settings: {}, ...postgres }, watch, file: null };
}

/** A project from `config`, on a git branch with its own database when `branch` is given. */
export function project(cfg: Config = config(), branch?: string): Project {
  const p = projectAt(ROOT, { config: cfg });
  return branch ? { ...p, branch: { head: '', name: branch, database: `${p.database}__${branch}` } } : p;
}

/** One app, `web`, whose environment names the database it would use and the settings it was made with. */
export function apps(p: Project): AppDefinition[] {
  return [{ name: 'web', command: 'true', cwd: p.root, env: { DB: clientDatabase(p) } }];
}

const names = (specs?: AppDefinition[]) => (specs ?? []).map((a) => `${a.name}@${a.env?.DB}`).join(',');

/**
 * Records every call, in order; restartDatabase fails `failRestarts` times first. Its processes form a
 * stack, migrate ← web ← worker: stopping one stops what needs it first, starting one starts what it
 * needs that does not run; each one's outcome is `outcomes[name]` (ready), given when `release()` is called
 * if `gate` is set (so a test can look at the lock while a request waits).
 */
export class FakeTarget implements ReloadTarget, ControlTarget {
  readonly calls: string[] = [];
  readonly running = new Set(['migrate', 'web', 'worker']);
  outcomes: Record<string, ProcessOutcome> = {};
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};
  /** Why each hold was taken (the supervisor says it in its log). */
  readonly holdReasons: string[] = [];
  failRestarts = 0;
  failResumes = 0;
  /** A recovery's `stopping()` says yes once this many resumes were tried. */
  stopAfterResumes = Number.POSITIVE_INFINITY;

  async reconfigure(specs: AppDefinition[]): Promise<void> {
    this.calls.push(`reconfigure ${names(specs)}`);
  }
  async holdApps(owner: string, why: string): Promise<void> {
    this.calls.push(`hold ${owner}`);
    this.holdReasons.push(why);
  }
  async releaseApps(owner: string, specs?: AppDefinition[]): Promise<void> {
    this.calls.push(`release ${owner}${specs ? ` ${names(specs)}` : ''}`);
  }
  async restartDatabase(): Promise<void> {
    this.calls.push('restart postgres');
    if (this.failRestarts-- > 0) throw new DatabaseStartError('postgres', new Error('invalid value for work_mem'));
  }
  async pauseDatabase(): Promise<void> {
    this.calls.push('pause postgres');
  }
  processNames(): readonly string[] {
    return ['migrate', 'web', 'worker'];
  }
  async startProcess(name: string): Promise<string[]> {
    this.calls.push(`start ${name}`);
    const needs = this.processNames().slice(0, this.processNames().indexOf(name) + 1);
    const started = needs.filter((n) => !this.running.has(n));
    for (const n of started) this.running.add(n);
    return started;
  }
  async stopProcess(name: string): Promise<string[]> {
    this.calls.push(`stop ${name}`);
    const after = this.processNames().slice(this.processNames().indexOf(name));
    const stopped = after.filter((n) => this.running.has(n)).reverse();
    for (const n of stopped) this.running.delete(n);
    return stopped;
  }
  async restartProcesses(names: string[]): Promise<string[]> {
    this.calls.push(`restart ${names.join(',') || 'all'}`);
    return names.length ? names : this.processNames().filter((n) => this.running.has(n));
  }
  /** Outcomes wait for release() from now on. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
    this.gate = null;
  }
  async processOutcome(name: string): Promise<ProcessOutcome> {
    await this.gate;
    return (
      this.outcomes[name] ?? { ok: true, text: 'ready', pid: 100 + this.processNames().indexOf(name), lastLines: [] }
    );
  }
  async resumeDatabase(): Promise<void> {
    this.calls.push('resume postgres');
    if (this.failResumes-- > 0) throw new DatabaseStartError('postgres', new Error('could not bind'));
  }
}
