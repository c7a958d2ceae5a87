// A Supervisor over real processes in a temp project, with a real `sleep` standing in for postgres.
// Whatever a test did, its cleanup shuts everything down (twice = kill) and proves nothing is left.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import type { AppDefinition } from '../../src/app-definition.js';
import type { DatabaseService } from '../../src/supervisor/database-runner.js';
import { LogOutput } from '../../src/supervisor/log-output.js';
import type { RestartScheduled } from '../../src/supervisor/process-status.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { SupervisorOptions } from '../../src/supervisor/supervisor-options.js';
import type { ExitStatus } from '../../src/util/exit-status.js';
import { assertGroupGone, Capture, isAlive, logFilesIn, tempDir, waitFor } from './helpers.js';

/** Stands in for postgres: a real `sleep` in its own group. Records start/stop order. */
export class FakeDatabase implements DatabaseService {
  child: ChildProcess | undefined;
  readonly pids: number[] = [];
  private stopping = false;
  private cb: ((info: ExitStatus) => void) | undefined;
  constructor(private readonly order: string[]) {}
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  /** Make the next N starts fail, like a postgres that cannot come up yet. */
  failStarts = 0;
  /** Ignore the orderly stop (SIGTERM), like a server busy finishing its work. */
  stubborn = false;
  async start(): Promise<void> {
    if (this.failStarts > 0) {
      this.failStarts--;
      this.order.push('db:start-failed');
      throw new Error('could not start (fake)');
    }
    this.stopping = false;
    // An ignored signal stays ignored across exec: the stubborn `sleep` itself ignores SIGTERM.
    const [file, args] = this.stubborn ? ['sh', ['-c', "trap '' TERM; exec sleep 1000"]] : ['sleep', ['1000']];
    const child = spawn(file, args, { detached: true, stdio: 'ignore' });
    await once(child, 'spawn');
    this.child = child;
    this.pids.push(child.pid!);
    this.order.push('db:start');
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.cb?.({ code, signal });
    });
  }
  async stop(): Promise<void> {
    this.order.push('db:stop');
    await this.halt('SIGTERM');
  }
  async kill(): Promise<void> {
    this.order.push('db:kill');
    await this.halt('SIGKILL');
  }
  onUnexpectedExit(cb: (info: ExitStatus) => void): void {
    this.cb = cb;
  }
  private async halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    const exited = once(child, 'exit');
    process.kill(child.pid!, signal);
    await exited;
  }
}

export interface Harness {
  dir: string;
  sup: Supervisor;
  db: FakeDatabase;
  out: Capture;
  log: LogOutput;
  order: string[];
  starts: Map<string, number[]>;
  changes: { name: string; paths: string[]; at: number }[];
  scheduled: RestartScheduled[];
  exits: { name: string; code: number | null; signal: string | null; requested: boolean }[];
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export function setup(apps: (dir: string) => AppDefinition[], opts: Partial<SupervisorOptions> = {}): Harness {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/app.js'), 'v1\n');
  const order: string[] = [];
  const out = new Capture();
  const db = new FakeDatabase(order);
  const log = new LogOutput({ out, color: false, logFile: logFilesIn(join(dir, '.pgres/logs')) });
  const sup = new Supervisor({
    root: dir,
    database: db,
    apps: apps(dir),
    log,
    debounceMs: 50,
    graceMs: 3000,
    ...opts,
  });
  const h: Harness = { dir, sup, db, out, log, order, starts: new Map(), changes: [], scheduled: [], exits: [] };
  let seq = 0;
  sup.on('started', ({ name, pid }) => {
    h.order.push(`${name}:start`);
    h.starts.set(name, [...(h.starts.get(name) ?? []), pid]);
  });
  sup.on('change', (c) => h.changes.push({ ...c, at: seq++ }));
  sup.on('restart-scheduled', (s) => h.scheduled.push(s));
  sup.on('exit', (e) => {
    h.order.push(`${e.name}:exit`);
    h.exits.push(e);
  });
  cleanups.push(async () => {
    const done = sup.shutdown();
    void sup.shutdown();
    await done;
    for (const pids of h.starts.values()) for (const pid of pids) assertGroupGone(pid);
    for (const pid of db.pids) expect(isAlive(pid)).toBe(false);
    cleanup();
  });
  return h;
}

/** What `devenv up` does: the database, then the apps. */
export async function startAll(h: Harness): Promise<void> {
  await h.sup.startDatabase();
  await h.sup.startApps();
}

export const starts = (h: Harness, name: string) => h.starts.get(name) ?? [];

/** Write a sentinel file and wait for its restart: it must arrive alone, proving nothing was pending. */
export async function settleWithSentinel(h: Harness, name: string): Promise<void> {
  await h.sup.idle();
  const before = starts(h, name).length;
  const mark = h.changes.length;
  // Complete before it appears: a slow write's second event could rightly give a second restart.
  writeFileSync(join(h.dir, '.sentinel.tmp'), 's');
  renameSync(join(h.dir, '.sentinel.tmp'), join(h.dir, 'sentinel.txt'));
  await waitFor(() => h.changes.length > mark, 'sentinel change');
  await h.sup.idle();
  expect(h.changes.slice(mark).map((c) => c.paths)).toEqual([['sentinel.txt']]);
  expect(starts(h, name).length).toBe(before + 1);
}
