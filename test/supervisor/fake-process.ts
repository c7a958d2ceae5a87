// Fake app instances for the Supervisor (its `spawnProcess` option): no process runs, the test says when
// each one writes and exits, so the ordering tests take milliseconds. Real-process tests are beside these.
import { PassThrough } from 'node:stream';
import type { AppDefinition } from '../../src/app-definition.js';
import { LogOutput } from '../../src/supervisor/log-output.js';
import {
  type ExitInfo,
  ManagedProcess,
  type ManagedProcessOptions,
  type ProcessState,
} from '../../src/supervisor/managed-process.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { SupervisorOptions } from '../../src/supervisor/supervisor-options.js';
import { describeExit } from '../../src/util/exit-status.js';
import { Capture } from './helpers.js';

let nextPid = 4_000_000; // above any real pid: a fake never names a real process

export class FakeProcess extends ManagedProcess {
  readonly command: string;
  private fakeState: ProcessState = 'idle';
  private fakePid: number | undefined;
  private fakeStart: Date | undefined;
  private readonly out = new PassThrough();
  private readonly err = new PassThrough();
  private info: ExitInfo | undefined;

  constructor(
    opts: ManagedProcessOptions,
    private readonly world: FakeWorld,
  ) {
    super(opts);
    this.command = opts.command;
  }

  override get state(): ProcessState {
    return this.fakeState;
  }
  override get pid(): number | undefined {
    return this.fakePid;
  }
  override get startedAt(): Date | undefined {
    return this.fakeStart;
  }
  override get stdout(): PassThrough {
    return this.out;
  }
  override get stderr(): PassThrough {
    return this.err;
  }

  override async start(): Promise<void> {
    this.fakePid = nextPid++;
    this.fakeState = 'running';
    this.fakeStart = new Date();
    this.world.spawned(this);
  }

  override async stop(): Promise<ExitInfo | undefined> {
    return this.end(null, 'SIGTERM', true);
  }

  override async kill(): Promise<ExitInfo | undefined> {
    return this.end(null, 'SIGKILL', true);
  }

  /** The app writes a line on stdout. */
  say(line: string): void {
    this.out.write(`${line}\n`);
  }

  /** The app exits by itself. */
  exit(code: number): void {
    this.end(code, null, false);
  }

  private end(code: number | null, signal: NodeJS.Signals | null, requested: boolean): ExitInfo | undefined {
    if (this.fakeState !== 'running') return this.info;
    this.fakeState = 'exited';
    this.out.end();
    this.err.end();
    this.info = { code, signal, requested, runMs: 1, description: describeExit({ code, signal }) };
    this.world.events.push(`exit ${this.name}${code !== null ? ` ${code}` : ''}`);
    this.emit('exit', this.info);
    return this.info;
  }
}

/** Every fake instance of one test, what happened in order, and what each app does when it starts. */
export class FakeWorld {
  readonly events: string[] = [];
  readonly instances: FakeProcess[] = [];
  /** What an instance of this app does once spawned (exit, write a line, …). Default: keeps running. */
  readonly behaviour = new Map<string, (p: FakeProcess) => void>();

  make = (opts: ManagedProcessOptions) => new FakeProcess(opts, this);

  spawned(p: FakeProcess): void {
    this.instances.push(p);
    this.events.push(`spawn ${p.name}`);
    const act = this.behaviour.get(p.name);
    // Not before the runner has taken the instance in (a real one cannot exit before start() resolves).
    if (act) setImmediate(() => act(p));
  }

  /** The newest instance of `name`. */
  last(name: string): FakeProcess {
    const found = this.instances.filter((p) => p.name === name).at(-1);
    if (!found) throw new Error(`${name} never spawned`);
    return found;
  }

  spawns(name: string): number {
    return this.instances.filter((p) => p.name === name).length;
  }

  /** Events since the `from`th, only spawns and exits of these apps. */
  of(names: string[], from = 0): string[] {
    return this.events.slice(from).filter((e) => names.includes(e.split(' ')[1]!));
  }
}

export type StackApp = Pick<AppDefinition, 'name'> & Partial<AppDefinition>;

/** Complete definitions: `run NAME` in / unless said otherwise. */
export function definitions(apps: StackApp[]): AppDefinition[] {
  return apps.map((a) => ({ command: `run ${a.name}`, cwd: '/', ...a }));
}

/** A Supervisor (no database, no watchers) over fake instances of these apps. */
export function fakeStack(apps: StackApp[], opts: Partial<SupervisorOptions> = {}) {
  const world = new FakeWorld();
  const out = new Capture();
  const sup = new Supervisor({
    root: '/',
    apps: definitions(apps),
    log: new LogOutput({ out, color: false }),
    watch: false,
    readyGraceMs: 20,
    spawnProcess: world.make,
    backoff: { initialMs: 5, maxMs: 20 },
    ...opts,
  });
  return { sup, world, out };
}

export function readiness(sup: Supervisor, name: string): string {
  return sup.status().find((s) => s.name === name)?.readiness?.text ?? '';
}
