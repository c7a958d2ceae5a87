// What one control client may do to the running `up`: stop its apps (and wait until they are gone),
// start them again (with a new environment if it asks), stop and start postgres while the apps are
// held, restart postgres around them; start, stop or restart named processes. From the first change
// until everything runs again the session holds the run's exclusive lock, so no config reload
// interleaves; a client that goes away leaves nothing held: postgres and the apps start again.
import { type AppDefinition, DATABASE_NAME } from '../app-definition.js';
import { errorMessage, UserError } from '../errors.js';
import { DatabaseStartError } from '../supervisor/database-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Mutex } from '../util/mutex.js';
import type { ControlPeer, ControlSessionHandler } from './control-listener.js';
import { type ControlRequest, isProcessOp, type ProcessOp, type ProcessResult } from './control-protocol.js';
import {
  checkNames,
  outcomes,
  type Pending,
  type ProcessTarget,
  restartProcesses,
  startProcesses,
  stopProcesses,
  verbOf,
} from './process-requests.js';
import type { UpPhase } from './state.js';

/** The hold a control client takes on the apps. */
const CONTROL_HOLD = 'control';

/** What a control client changes: the apps and the database (the Supervisor is one; tests use a fake). */
export type ControlTarget = Pick<
  Supervisor,
  'holdApps' | 'releaseApps' | 'reconfigure' | 'pauseDatabase' | 'resumeDatabase' | 'restartDatabase'
> &
  ProcessTarget;

export interface ControlContext {
  target: ControlTarget;
  exclusive: Mutex;
  phase: () => UpPhase;
  say: (line: string) => void;
  /** Replace the variables every app gets on top of the contract. */
  setOverrides: (env: Record<string, string>) => void;
  /** The apps as they would start now (current project, current overrides). */
  apps: () => AppDefinition[];
  /** Role, databases, extensions, a branch's database: after postgres starts again (its files may have changed). */
  provision: () => Promise<void>;
  /**
   * After a client went away with postgres stopped: `start` until it works (finishing what the client left
   * half done first), or until `up` stops (false). See database-recovery.ts.
   */
  recoverDatabase: (start: () => Promise<void>) => Promise<boolean>;
  /** After each request: publish the new state (`devenv status` shows what it changed). */
  changed: () => void;
}

export class ControlSession implements ControlSessionHandler {
  private unlock: (() => void) | null = null;
  private held = false;
  private paused = false;
  private readonly who: string;

  constructor(
    private readonly ctx: ControlContext,
    peer: ControlPeer,
  ) {
    this.who = `\`devenv ${peer.purpose}\` (pid ${peer.pid})`;
  }

  async request(req: ControlRequest): Promise<ProcessResult[] | undefined> {
    try {
      this.checkPhase();
      if (isProcessOp(req.op)) return await this.processes(req.op, req.names ?? []);
      await this.handle(req);
      return undefined;
    } finally {
      this.ctx.changed();
    }
  }

  private checkPhase(): void {
    const phase = this.ctx.phase();
    if (phase !== 'running') {
      throw new UserError(`devenv up is ${phase === 'starting' ? 'still starting' : 'stopping'}; try again`);
    }
  }

  /**
   * Named processes: the action under the run's lock (a reload waits for it), then, without it, the wait
   * until each started one is ready or completed. `devenv restart postgres` restarts it as restart-postgres
   * does: the apps stop around it and start again after it (and count as restarted).
   */
  private async processes(op: ProcessOp, asked: string[]): Promise<ProcessResult[]> {
    if (this.held || this.paused) throw new UserError('this session has stopped the apps: start them first');
    const { target } = this.ctx;
    const names = checkNames(op, asked, target.processNames());
    const apps = names.filter((n) => n !== DATABASE_NAME);
    const done: ProcessResult[] = [];
    let pending: Pending[] = [];
    await this.lock();
    try {
      this.ctx.say(`${this.who} asked: ${verbOf(op)} ${names.length ? names.join(', ') : 'every app'}`);
      if (op === 'stop-processes') return await stopProcesses(target, apps);
      if (op === 'start-processes') {
        pending = await startProcesses(target, apps);
      } else if (names.includes(DATABASE_NAME)) {
        await this.databaseStart(() => target.restartDatabase());
        await this.ctx.provision();
        done.push({ name: DATABASE_NAME, ok: true, text: 'restarted (the apps stopped around it)' });
        pending = apps.map((name) => ({ name, done: 'restarted' }));
      } else {
        pending = await restartProcesses(target, apps);
      }
    } finally {
      this.unlockIfIdle();
    }
    return [...done, ...(await outcomes(target, pending))];
  }

  private async handle(req: ControlRequest): Promise<void> {
    const { target } = this.ctx;
    switch (req.op) {
      case 'stop-apps':
        await this.lock();
        if (this.held) return;
        await target.holdApps(CONTROL_HOLD, `${this.who} asked: stopping the apps`);
        this.held = true;
        return;
      case 'start-apps':
        if (this.paused) throw new UserError('postgres is stopped: start it before the apps');
        await this.lock();
        if (req.env) this.ctx.setOverrides(req.env);
        if (this.held) {
          this.ctx.say(`${this.who} asked: starting the apps again`);
          await target.releaseApps(CONTROL_HOLD, this.ctx.apps());
          this.held = false;
        } else {
          await target.reconfigure(this.ctx.apps());
        }
        this.unlockIfIdle();
        return;
      case 'stop-postgres':
        if (!this.held) throw new UserError('stop the apps before postgres');
        this.ctx.say(`${this.who} asked: stopping postgres`);
        await target.pauseDatabase();
        this.paused = true;
        return;
      case 'start-postgres':
        if (this.paused) await this.resume();
        this.unlockIfIdle();
        return;
      case 'restart-postgres':
        if (this.paused) throw new UserError('postgres is stopped: start it instead');
        await this.lock();
        this.ctx.say(`${this.who} asked: restarting postgres`);
        await this.databaseStart(() => target.restartDatabase());
        await this.ctx.provision();
        this.unlockIfIdle();
        return;
      default:
        throw new UserError(`not a request devenv up understands: ${req.op}`);
    }
  }

  async end(): Promise<void> {
    try {
      if (this.paused) {
        this.ctx.say(`${this.who} went away with postgres stopped: starting it again`);
        // The apps never start on no database: they stay held until postgres runs (or `up` stops).
        const start = () => this.databaseStart(() => this.ctx.target.resumeDatabase());
        if (!(await this.ctx.recoverDatabase(start))) return;
        this.paused = false;
        await this.ctx.provision().catch((err) => this.ctx.say(errorMessage(err)));
      }
      if (this.held) {
        this.ctx.say(`${this.who} went away with the apps stopped: starting them again`);
        await this.ctx.target.releaseApps(CONTROL_HOLD, this.ctx.apps());
        this.held = false;
      }
    } finally {
      this.unlock?.();
      this.unlock = null;
      this.ctx.changed();
    }
  }

  private async resume(): Promise<void> {
    await this.databaseStart(() => this.ctx.target.resumeDatabase());
    this.paused = false;
    await this.ctx.provision();
  }

  /** A database that does not start is the client's answer (the supervisor has said why in its log). */
  private async databaseStart(start: () => Promise<void>): Promise<void> {
    try {
      await start();
    } catch (err) {
      if (!(err instanceof DatabaseStartError)) throw err;
      throw new UserError(`${errorMessage(err)} (see \`devenv logs postgres\`)`);
    }
  }

  private async lock(): Promise<void> {
    this.unlock ??= await this.ctx.exclusive.lock();
  }

  private unlockIfIdle(): void {
    if (this.held || this.paused) return;
    this.unlock?.();
    this.unlock = null;
  }
}
