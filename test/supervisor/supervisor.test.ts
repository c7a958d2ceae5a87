import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogOutput } from '../../src/supervisor/log-output.js';
import {
  Supervisor,
  type AppSpec,
  type DatabaseExit,
  type DatabaseService,
  type RestartScheduled,
  type SupervisorOptions,
} from '../../src/supervisor/supervisor.js';
import { assertGroupGone, Capture, freePort, isAlive, tempDir, waitFor } from './helpers.js';

/** Stands in for postgres: a real `sleep` in its own group. Records start/stop order. */
class FakeDatabase implements DatabaseService {
  child: ChildProcess | undefined;
  readonly pids: number[] = [];
  private stopping = false;
  private cb: ((info: DatabaseExit) => void) | undefined;
  constructor(private readonly order: string[]) {}
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  /** Make the next N starts fail, like a postgres that cannot come up yet. */
  failStarts = 0;
  async start(): Promise<void> {
    if (this.failStarts > 0) {
      this.failStarts--;
      this.order.push('db:start-failed');
      throw new Error('could not start (fake)');
    }
    this.stopping = false;
    const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
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
  onUnexpectedExit(cb: (info: DatabaseExit) => void): void {
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

interface Harness {
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

function setup(apps: (dir: string) => AppSpec[], opts: Partial<SupervisorOptions> = {}): Harness {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/app.js'), 'v1\n');
  const order: string[] = [];
  const out = new Capture();
  const db = new FakeDatabase(order);
  const log = new LogOutput({ out, color: false, logDir: join(dir, '.pgres/logs') });
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
    // Whatever a test did, nothing may survive it: shut down (twice = kill), then prove it.
    const done = sup.shutdown();
    void sup.shutdown();
    await done;
    for (const pids of h.starts.values()) for (const pid of pids) assertGroupGone(pid);
    for (const pid of db.pids) expect(isAlive(pid)).toBe(false);
    cleanup();
  });
  return h;
}

const starts = (h: Harness, name: string) => h.starts.get(name) ?? [];

/** Write a sentinel file and wait for its restart: it must arrive alone, proving nothing was pending. */
async function settleWithSentinel(h: Harness, name: string): Promise<void> {
  await h.sup.idle();
  const before = starts(h, name).length;
  const mark = h.changes.length;
  writeFileSync(join(h.dir, 'sentinel.txt'), 's');
  await waitFor(() => h.changes.length > mark, 'sentinel change');
  await h.sup.idle();
  expect(h.changes.slice(mark).map((c) => c.paths)).toEqual([['sentinel.txt']]);
  expect(starts(h, name).length).toBe(before + 1);
}

describe('Supervisor', () => {
  it('starts the database then the apps; a file change gives a new pid with the old group gone; shutdown stops apps, then the database', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000 & wait', cwd: dir }]);
    let finished = false;
    void h.sup.done().then(() => (finished = true));
    await h.sup.start();
    expect(h.order).toEqual(['db:start', 'web:start']);
    const [first] = starts(h, 'web');
    writeFileSync(join(h.dir, 'src/app.js'), 'v2\n');
    await waitFor(() => starts(h, 'web').length === 2, 'restart');
    const second = starts(h, 'web')[1]!;
    expect(second).not.toBe(first);
    assertGroupGone(first!);
    expect(isAlive(second)).toBe(true);
    expect(h.out.lines).toContain(`devenv   | web: restarting, changed: ${join('src', 'app.js')}`);

    const status = h.sup.status();
    expect(status.map((s) => [s.name, s.kind, s.state, s.restarts])).toEqual([
      ['postgres', 'database', 'running', 0],
      ['web', 'app', 'running', 1],
    ]);
    expect(status[0]!.pid).toBe(h.db.pid);
    expect(status[1]!.pid).toBe(second);
    expect(Date.parse(status[1]!.startedAt!)).not.toBeNaN();

    expect(finished).toBe(false);
    await h.sup.shutdown();
    await h.sup.done();
    expect(h.order.slice(h.order.lastIndexOf('web:start'))).toEqual(['web:start', 'web:exit', 'db:stop']);
    assertGroupGone(second);
    expect(h.sup.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });

  it("an editor's write-temp-then-rename save is exactly one restart", async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }]);
    await h.sup.start();
    writeFileSync(join(h.dir, 'src/.app.js.tmp'), 'v2\n');
    renameSync(join(h.dir, 'src/.app.js.tmp'), join(h.dir, 'src/app.js'));
    await waitFor(() => starts(h, 'web').length >= 2, 'restart');
    await settleWithSentinel(h, 'web');
    expect(starts(h, 'web')).toHaveLength(3); // initial + save + sentinel
    expect(h.changes[0]!.paths).toEqual([join('src', 'app.js')]);
  });

  it('a burst of 50 writes is one or two restarts', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }]);
    await h.sup.start();
    for (let i = 0; i < 50; i++) writeFileSync(join(h.dir, 'src', `f${i % 10}.js`), String(i));
    await waitFor(() => starts(h, 'web').length >= 2, 'restart');
    await settleWithSentinel(h, 'web');
    const burstRestarts = starts(h, 'web').length - 2; // minus initial start and sentinel restart
    expect(burstRestarts).toBeGreaterThanOrEqual(1);
    expect(burstRestarts).toBeLessThanOrEqual(2);
  });

  it('a crash loop restarts with growing delays, one line per attempt with the exit code', async () => {
    const h = setup(
      (dir) => [
        { name: 'crashy', command: 'echo boom; exit 3', cwd: dir, watch: [] },
        { name: 'steady', command: 'sleep 1000', cwd: dir, watch: [] },
      ],
      { backoff: { initialMs: 20, healthyAfterMs: 60_000 } },
    );
    await h.sup.start();
    await waitFor(() => h.scheduled.length >= 5, 'five crash restarts scheduled');
    await h.sup.shutdown();
    const delays = h.scheduled.map((s) => s.delayMs);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(h.scheduled.every((s) => s.name === 'crashy' && s.code === 3)).toBe(true);
    const lines = h.out.lines.filter((l) => l.includes('crashy exited with code 3; restarting in'));
    expect(lines).toHaveLength(h.scheduled.length);
    expect(lines[0]).toBe('devenv   | crashy exited with code 3; restarting in 20 ms (attempt 1)');
    expect(h.out.lines.filter((l) => l === 'crashy   | boom').length).toBe(starts(h, 'crashy').length);
    expect(starts(h, 'steady')).toHaveLength(1); // the neighbour was never touched
  });

  it('restart: never leaves a crashed app down, and on-failure leaves a clean exit down', async () => {
    const h = setup(
      (dir) => [
        { name: 'once', command: 'exit 4', cwd: dir, watch: [], restart: 'never' },
        { name: 'job', command: 'true', cwd: dir, watch: [] },
      ],
      { backoff: { initialMs: 10 } },
    );
    await h.sup.start();
    await waitFor(() => h.exits.length === 2, 'both exits');
    await h.sup.idle();
    expect(h.scheduled).toEqual([]);
    const byName = Object.fromEntries(h.sup.status().map((s) => [s.name, s.state]));
    expect(byName).toMatchObject({ once: 'crashed', job: 'exited' });
    expect(h.out.lines).toContain('devenv   | once exited with code 4; not restarting (restart: never)');
  });

  it('a grandchild server behind sh -c frees its port before the new instance binds, and nothing is left after shutdown', async () => {
    const port = await freePort();
    const server = `
      const http = require("node:http");
      const srv = http.createServer((req, res) => res.end(String(process.pid)));
      srv.on("error", (e) => { console.log("bind failed " + e.code); process.exit(1); });
      srv.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening " + process.pid));
      // A slow graceful shutdown: the port stays taken for a while after SIGTERM.
      process.on("SIGTERM", () => setTimeout(() => process.exit(0), 300));
    `;
    const h = setup((dir) => {
      writeFileSync(join(dir, 'server.cjs'), server);
      // "; echo" keeps sh from exec'ing node: node is a grandchild, sh dies first on SIGTERM.
      const command = `'${process.execPath}' server.cjs; echo server exited`;
      return [{ name: 'web', command, cwd: dir, env: { ...process.env, PORT: String(port) } }];
    });
    await h.sup.start();
    const get = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
    await waitFor(() => h.out.text.includes('web      | listening'), 'first server');
    const firstServer = Number(await get());
    expect(firstServer).not.toBe(starts(h, 'web')[0]); // the server is not the group leader

    writeFileSync(join(h.dir, 'src/app.js'), 'v2\n');
    await waitFor(() => (h.out.text.match(/web {6}\| listening/g) ?? []).length === 2, 'second server');
    expect(h.out.text).not.toContain('bind failed');
    const secondServer = Number(await get());
    expect(secondServer).not.toBe(firstServer);
    expect(isAlive(firstServer)).toBe(false);
    assertGroupGone(starts(h, 'web')[0]!);

    await h.sup.shutdown();
    expect(isAlive(secondServer)).toBe(false);
    assertGroupGone(starts(h, 'web')[1]!);
    // The port is free again: we can bind it ourselves.
    const probe = createServer();
    await new Promise<void>((res, rej) => probe.once('error', rej).listen(port, '127.0.0.1', () => res()));
    await new Promise((r) => probe.close(r));
  });

  it('a missing command binary gives a clear error line; the others keep running and shutdown is clean', async () => {
    const h = setup((dir) => [
      { name: 'web', command: 'sleep 1000', cwd: dir, watch: [] },
      { name: 'broken', command: 'no-such-binary-devenv --serve', cwd: dir, watch: [] },
      { name: 'lost', command: 'sleep 1000', cwd: join(dir, 'missing-dir'), watch: [] },
    ]);
    await h.sup.start();
    await waitFor(() => h.exits.some((e) => e.name === 'broken'), 'broken exits');
    await h.sup.idle();
    expect(h.out.lines).toContain(
      'devenv   | broken: command not found (exit 127): no-such-binary-devenv --serve (check the command in your configuration); waiting for a file change',
    );
    expect(h.out.lines).toContain(`devenv   | lost: working directory ${join(h.dir, 'missing-dir')} does not exist`);
    expect(h.out.lines.some((l) => l.startsWith('broken   |') && l.includes('not found'))).toBe(true);
    expect(h.scheduled).toEqual([]); // no restart storm for a command that cannot run
    const byName = Object.fromEntries(h.sup.status().map((s) => [s.name, s]));
    expect(byName.web!.state).toBe('running');
    expect(isAlive(byName.web!.pid!)).toBe(true);
    expect(byName.broken!.state).toBe('failed');
    expect(byName.lost!.state).toBe('failed');
    await h.sup.shutdown();
    expect(h.order.at(-1)).toBe('db:stop');
    expect(isAlive(h.db.pids[0]!)).toBe(false);
  });

  it('restarts the database when it dies unexpectedly', async () => {
    const h = setup(() => [], { backoff: { initialMs: 10 } });
    await h.sup.start();
    const firstDb = h.db.pid!;
    process.kill(firstDb, 'SIGKILL');
    await waitFor(() => h.db.pids.length === 2, 'database restart');
    await waitFor(() => h.sup.status()[0]!.state === 'running', 'database running');
    const [db] = h.sup.status();
    expect(db).toMatchObject({ name: 'postgres', restarts: 1, lastExit: { signal: 'SIGKILL' } });
    expect(db!.pid).toBe(h.db.pids[1]);
    expect(h.out.lines).toContain('devenv   | postgres killed by SIGKILL unexpectedly; restarting in 10 ms');
    expect(isAlive(firstDb)).toBe(false);
  });

  it('keeps retrying a database that fails to restart, with growing delays and one line per attempt', async () => {
    const h = setup(() => [], { backoff: { initialMs: 10, healthyAfterMs: 60_000 } });
    await h.sup.start();
    h.db.failStarts = 2;
    process.kill(h.db.pid!, 'SIGKILL');
    await waitFor(() => h.db.pids.length === 2, 'database restart');
    await waitFor(() => h.sup.status()[0]!.state === 'running', 'database running');
    expect(h.scheduled.map((s) => s.delayMs)).toEqual([10, 20, 40]);
    expect(h.out.lines.filter((l) => l.includes('restarting in'))).toEqual([
      'devenv   | postgres killed by SIGKILL unexpectedly; restarting in 10 ms',
      'devenv   | postgres failed to restart: could not start (fake); restarting in 20 ms',
      'devenv   | postgres failed to restart: could not start (fake); restarting in 40 ms',
    ]);
    expect(h.sup.status()[0]!.restarts).toBe(1);
  });

  it('a second shutdown request kills everything at once', async () => {
    const h = setup(
      (dir) => [{ name: 'stubborn', command: "trap '' TERM; echo ready; sleep 1000", cwd: dir, watch: [] }],
      {
        graceMs: 60_000, // without the second request this test would hang
      },
    );
    await h.sup.start();
    const pid = starts(h, 'stubborn')[0]!;
    // Until the trap is set, SIGTERM would still work and the test would prove nothing.
    await waitFor(() => h.out.lines.includes('stubborn | ready'), 'trap set');
    const first = h.sup.shutdown();
    await waitFor(() => h.sup.status()[1]!.state === 'stopping', 'stopping');
    expect(isAlive(pid)).toBe(true); // SIGTERM is ignored
    const second = h.sup.shutdown();
    await Promise.all([first, second]);
    expect(h.exits.find((e) => e.name === 'stubborn')).toMatchObject({ signal: 'SIGKILL' });
    expect(h.order).toContain('db:kill');
    assertGroupGone(pid);
  });

  it('a shutdown requested while starting up leaves nothing behind and still stops the database last', async () => {
    const h = setup((dir) => [
      { name: 'a', command: 'sleep 1000', cwd: dir },
      { name: 'b', command: 'sleep 1000', cwd: dir },
    ]);
    const starting = h.sup.start();
    await waitFor(() => h.order.includes('db:start'), 'database started');
    await h.sup.shutdown();
    await starting;
    for (const pids of h.starts.values()) for (const pid of pids) assertGroupGone(pid);
    expect(h.order.at(-1)).toBe('db:stop');
    expect(h.sup.status().every((s) => s.state === 'stopped')).toBe(true);
  });

  it('killAppsNow() SIGKILLs every app group without awaiting', async () => {
    const h = setup((dir) => [
      { name: 'a', command: "trap '' TERM; echo ready; sleep 1000", cwd: dir, watch: [] },
      { name: 'b', command: 'sleep 1000 & wait', cwd: dir, watch: [] },
    ]);
    await h.sup.start();
    await waitFor(() => h.out.lines.includes('a        | ready'), 'trap set');
    h.sup.killAppsNow();
    await waitFor(() => h.exits.length === 2, 'both apps gone');
    expect(h.exits.map((e) => e.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(h.scheduled).toEqual([]); // no crash restart after a kill we asked for
    for (const pid of [...starts(h, 'a'), ...starts(h, 'b')]) assertGroupGone(pid);
  });

  it("writes each process's lines to <name>.log", async () => {
    const h = setup((dir) => [{ name: 'web', command: 'echo hello from web; sleep 1000', cwd: dir, watch: [] }]);
    await h.sup.start();
    await waitFor(() => h.out.lines.includes('web      | hello from web'), 'output');
    await h.sup.shutdown();
    await h.log.close();
    expect(readFileSync(join(h.dir, '.pgres/logs/web.log'), 'utf8')).toBe('hello from web\n');
    expect(readFileSync(join(h.dir, '.pgres/logs/devenv.log'), 'utf8')).toContain('web started (pid ');
  });

  it('reconfigure: a changed app restarts with its new env, an unchanged one keeps running, a removed one is gone, an added one starts', async () => {
    const h = setup((dir) => [
      { name: 'web', command: 'sleep 1000', cwd: dir, env: { ...process.env, V: '1' }, watch: [] },
      { name: 'keep', command: 'sleep 1000', cwd: dir, watch: [] },
      { name: 'old', command: 'sleep 1000 & wait', cwd: dir, watch: [] },
    ]);
    await h.sup.start();
    const [web1] = starts(h, 'web');
    const [keep1] = starts(h, 'keep');
    const [old1] = starts(h, 'old');
    await h.sup.reconfigure([
      { name: 'web', command: 'sleep 1000', cwd: h.dir, env: { ...process.env, V: '2' }, watch: [] },
      { name: 'keep', command: 'sleep 1000', cwd: h.dir, watch: [] },
      { name: 'new', command: 'sleep 1000', cwd: h.dir, watch: [] },
    ]);
    expect(starts(h, 'keep')).toEqual([keep1]);
    expect(starts(h, 'web')).toHaveLength(2);
    assertGroupGone(web1!);
    assertGroupGone(old1!);
    const web2 = starts(h, 'web')[1]!;
    expect(readFileSync(`/proc/${web2}/environ`, 'utf8').split('\0')).toContain('V=2');
    expect(starts(h, 'new')).toHaveLength(1);
    expect(h.sup.status().map((s) => [s.name, s.state])).toEqual([
      ['postgres', 'running'],
      ['web', 'running'],
      ['keep', 'running'],
      ['new', 'running'],
    ]);
    expect(h.out.lines).toContain('devenv   | old: removed from the configuration; stopping');
    expect(() => h.sup.reconfigure([{ name: 'postgres', command: 'true', cwd: h.dir }])).toThrow(/reserved/);
  });

  it('restartDatabase stops the apps first, restarts the database, then starts the apps', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir, watch: [] }]);
    await h.sup.start();
    const mark = h.order.length;
    await h.sup.restartDatabase();
    expect(h.order.slice(mark)).toEqual(['web:exit', 'db:stop', 'db:start', 'web:start']);
    expect(h.db.pids).toHaveLength(2);
    expect(isAlive(h.db.pids[0]!)).toBe(false);
    expect(h.sup.status().map((s) => [s.name, s.state, s.restarts])).toEqual([
      ['postgres', 'running', 1],
      ['web', 'running', 1],
    ]);
    // A database that does not come back: rejects, apps stay down, a later call recovers.
    h.db.failStarts = 1;
    await expect(h.sup.restartDatabase()).rejects.toThrow(/could not start/);
    expect(h.sup.status().map((s) => s.state)).toEqual(['failed', 'stopped']);
    await h.sup.restartDatabase();
    expect(h.sup.status().map((s) => s.state)).toEqual(['running', 'running']);
  });

  it('files the caller reloads itself (configFiles) do not restart apps', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }], {
      configFiles: ['devenv.json', '.env'],
    });
    await h.sup.start();
    writeFileSync(join(h.dir, 'devenv.json'), '{}');
    writeFileSync(join(h.dir, '.env'), 'A=1');
    await settleWithSentinel(h, 'web');
    expect(h.changes.map((c) => c.paths)).toEqual([['sentinel.txt']]);
  });
});
