// Requests for named apps (the control channel's start/stop/restart, `up NAME`): each checks the name
// first, then goes through the supervisor's one-at-a-time changes, and can say where the app got to.
import type { Mutex } from '../util/mutex.js';
import type { AppStack } from './app-stack.js';
import type { ProcessOutcome } from './process-status.js';

export class AppControl {
  /** `changes`: the supervisor's lock for what changes which apps run (reconfigure, holds). */
  constructor(
    private readonly stack: AppStack,
    private readonly changes: Mutex,
  ) {}

  /**
   * Start one app and what it needs that is not running (not started, stopped, or failed). Resolves
   * once it runs, or once it cannot yet (a dependency failed or was stopped), with the apps it started
   * (none when it ran already). Throws on an unknown name.
   */
  async start(name: string): Promise<string[]> {
    this.stack.require(name);
    const launched = await this.changes.run(() => this.stack.launch(name));
    await this.stack.started(name);
    return launched;
  }

  /**
   * Stop one app for good (until start()), the apps that need it first. Resolves with the apps
   * stopped, in the order they stopped. Throws on an unknown name.
   */
  async stop(name: string): Promise<string[]> {
    this.stack.require(name);
    return await this.changes.run(() => this.stack.stop(name));
  }

  /**
   * Restart one app as a change of its files would: once its dependencies are there, the old group
   * gone first; apps that wait for it to complete restart after it has completed again. Not running:
   * started. Resolves once its new instance runs, or once it cannot yet.
   */
  async restart(name: string): Promise<void> {
    await this.restartMany([name]);
    await this.stack.started(name);
  }

  /**
   * Restart these apps in one wave (as one change touching them all would), in dependency order; those
   * that do not run are started. None named: every app that should run (not those stopped on request or
   * left out by `up NAME...`). Resolves with the apps restarted once each restart is on its way
   * (outcome() tells where it got to). Throws on an unknown name before anything restarts.
   */
  async restartMany(names: string[]): Promise<string[]> {
    for (const name of names) this.stack.require(name);
    const chosen = names.length ? names : this.stack.names.filter((n) => this.stack.isActive(n));
    const running = chosen.filter((n) => this.stack.isActive(n));
    void this.stack.restart(running);
    for (const name of chosen.filter((n) => !running.includes(n)))
      await this.changes.run(() => this.stack.launch(name));
    return chosen;
  }

  /**
   * Where `name` gets to after a start or restart: ready or completed, or why not (it exited, missed its
   * probe's timeout, waits on a dependency that failed), with its last lines when it failed.
   */
  outcome(name: string): Promise<ProcessOutcome> {
    this.stack.require(name);
    return this.stack.outcome(name);
  }
}
