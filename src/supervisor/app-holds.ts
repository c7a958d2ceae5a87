// Who holds the apps down (a database restart, a config reload, a control request): while anyone does,
// a restart request only stops an app, and the last release starts them all again. A restart of the
// database is one such hold: apps would otherwise see their connections cut and crash-loop meanwhile.
import type { AppRunner } from './app-runner.js';
import type { AppStack } from './app-stack.js';
import type { DatabaseRunner } from './database-runner.js';

/** The hold a database restart takes on the apps. */
const DATABASE_HOLD = 'database';

export interface HoldsHost {
  stack: Pick<AppStack, 'board' | 'isActive' | 'restart'>;
  runners(): readonly AppRunner[];
  say(line: string): void;
  closed(): boolean;
}

export class AppHolds {
  private readonly holders = new Set<string>();

  constructor(private readonly host: HoldsHost) {}

  /** Are the apps held down (by anyone)? */
  get held(): boolean {
    return this.holders.size > 0;
  }

  /** Stop every app and keep it down until `owner` releases it. */
  async hold(owner: string, why: string): Promise<void> {
    const first = !this.held;
    this.holders.add(owner);
    if (!first) return;
    this.host.say(why);
    const { stack } = this.host;
    stack.board.poke(); // starts waiting for dependencies give up: nothing starts while held
    // Through each app's queue, so an in-flight restart finishes first; held, it starts nothing.
    const running = this.host.runners().filter((a) => stack.isActive(a.name));
    await Promise.all(running.map((app) => app.restart({ resetBackoff: false })));
  }

  /** Start every held app again, with a clean crash history, once nobody holds them. */
  async release(owner: string): Promise<void> {
    this.holders.delete(owner);
    if (this.held || this.host.closed()) return;
    // In dependency order: each waits for the new instances of what it needs (a task runs again first).
    await this.host.stack.restart(this.host.runners().map((a) => a.name));
  }

  /**
   * Apps down, database stopped and started, apps up again. Rejects if the database fails to start:
   * it then keeps its own hold, so a later restart that works is what releases the apps.
   */
  async restartDatabase(db: DatabaseRunner, name: string): Promise<void> {
    db.cancelRecovery(); // a crash recovery waiting in backoff: this restart replaces it
    await this.hold(DATABASE_HOLD, `restarting ${name}: stopping the apps first`);
    if (this.host.closed()) return;
    await db.restart();
    await this.release(DATABASE_HOLD);
  }
}
