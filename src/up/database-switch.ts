// Moving the apps to another database while `up` runs (another git branch with postgres.branches, or
// another postgres.database): the apps stop (their sessions on the main database would block its copy),
// the database is made if it is new, and they start on it. While others' sessions block a branch's copy,
// the apps wait on it (as `exec` and `status` see it) and it is tried again.
import { UserError } from '../errors.js';
import { SourceBusyError } from '../postgres/branch-database.js';
import { clientDatabase, type Project } from '../project/project.js';
import { Backoff } from '../supervisor/backoff.js';
import type { ConfigReloadContext } from './config-reload.js';

/** The hold on the apps while a branch's database waits for sessions on its source to end. */
const COPY_HOLD = 'branch copy';
/** Each try waits a few seconds for the sessions itself (branch-database.ts); then this far apart. */
const COPY_RETRY = { initialMs: 1000, maxMs: 10_000 };

export interface DatabaseSwitchContext
  extends Pick<ConfigReloadContext, 'target' | 'project' | 'apps' | 'provision' | 'say'> {
  /** The hold the reload takes on the apps while they move. */
  hold: string;
  /** Try the move again (a reload): the apps wait for a branch's copy. */
  retry: () => void;
}

export class DatabaseSwitch {
  /** The apps wait for their branch's database (COPY_HOLD), tried again by this timer. */
  private copyWait: { timer: NodeJS.Timeout | undefined; backoff: Backoff; sessions: string } | null = null;

  constructor(private readonly ctx: DatabaseSwitchContext) {}

  /** The apps wait for a branch's database: the next reload tries again, even if nothing moved. */
  get waiting(): boolean {
    return this.copyWait !== null;
  }

  /** No more tries (`up` ends). */
  close(): void {
    clearTimeout(this.copyWait?.timer);
  }

  /**
   * Move the apps from `previous`'s database to `next`'s (`moved`), or try again to make the one they
   * wait for. A failure other than a busy source: they start again where they were.
   */
  async move(previous: Project, next: Project, ignore: string[], moved: boolean): Promise<void> {
    const { target, project, say, hold } = this.ctx;
    const to = clientDatabase(next);
    const branch = next.branch?.name ? `git branch "${next.branch.name}"` : 'the default git branch';
    const why = next.database !== previous.database ? 'postgres.database changed' : branch;
    if (moved) say(`${why}: the apps move to database "${to}"`);
    await target.holdApps(hold, 'switching databases: stopping the apps first');
    try {
      try {
        await this.ctx.provision();
        await this.copyMade();
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        if (err instanceof SourceBusyError) {
          await this.waitForCopy(to, next.database, err.sessions);
          return;
        }
        await this.copyMade();
        say(`${err.message}; the apps stay on database "${clientDatabase(previous)}"`);
        project.replace(previous);
      }
    } finally {
      await target.releaseApps(hold, this.ctx.apps(project.current), { ignore });
    }
  }

  /** Keep the apps down until the branch's database can be copied, and try again (a reload) a little later. */
  private async waitForCopy(database: string, source: string, sessions: string): Promise<void> {
    const first = !this.copyWait;
    this.copyWait ??= { timer: undefined, backoff: new Backoff(COPY_RETRY), sessions: '' };
    if (first) await this.ctx.target.holdApps(COPY_HOLD, `the apps wait for database "${database}"`);
    const delay = this.copyWait.backoff.next(0);
    // Said when it begins and when who is in the way changes, not at every try.
    if (sessions !== this.copyWait.sessions) {
      this.ctx.say(
        `database "${database}" is a copy of "${source}", which ${sessions} use${/^1 /.test(sessions) ? 's' : ''}: ` +
          'the apps wait until they end (a copy needs it idle), trying again every few seconds',
      );
    }
    this.copyWait.sessions = sessions;
    this.copyWait.timer = setTimeout(this.ctx.retry, delay);
  }

  /** Nothing to wait for any more (made, or the apps went elsewhere): the apps may start. */
  private async copyMade(): Promise<void> {
    if (!this.copyWait) return;
    clearTimeout(this.copyWait.timer);
    this.copyWait = null;
    await this.ctx.target.releaseApps(COPY_HOLD);
  }
}
