// One app's life without a supervisor around it: crash restarts with backoff, restart policies,
// commands that cannot run, the old group gone before the new one starts, and the one stop.
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../src/app-definition.js';
import { AppRunner } from '../../src/supervisor/app-runner.js';
import type { BackoffOptions } from '../../src/supervisor/backoff.js';
import { LogOutput } from '../../src/supervisor/log-output.js';
import type { RestartScheduled, SupervisorEvents } from '../../src/supervisor/process-status.js';
import { assertGroupGone, Capture, freePort, isAlive, tempDir, waitFor } from './helpers.js';

interface Runners {
  dir: string;
  out: Capture;
  starts: Map<string, number[]>;
  scheduled: RestartScheduled[];
  exits: SupervisorEvents['exit'][];
  held: boolean;
  add(def: (dir: string) => AppDefinition): AppRunner;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runners(backoff?: BackoffOptions, debounceMs = 50): Runners {
  const { dir, cleanup } = tempDir();
  const out = new Capture();
  // "postgres" registered too, so the prefixes are padded as under `devenv up`.
  const log = new LogOutput({ out, color: false, names: ['devenv', 'postgres'] });
  const list: AppRunner[] = [];
  const r: Runners = {
    dir,
    out,
    starts: new Map(),
    scheduled: [],
    exits: [],
    held: false,
    add: (def) => {
      const app = new AppRunner(def(dir), {
        log,
        say: (line) => log.line('devenv', line),
        emit: (event, payload) => {
          if (event === 'started') {
            const { name, pid } = payload as SupervisorEvents['started'];
            r.starts.set(name, [...(r.starts.get(name) ?? []), pid]);
          }
          if (event === 'restart-scheduled') r.scheduled.push(payload as RestartScheduled);
          if (event === 'exit') r.exits.push(payload as SupervisorEvents['exit']);
        },
        graceMs: 3000,
        debounceMs,
        backoff,
        held: () => r.held,
      });
      log.register(app.name);
      list.push(app);
      return app;
    },
  };
  cleanups.push(async () => {
    await Promise.all(list.map((a) => a.stop({ kill: true })));
    for (const pids of r.starts.values()) for (const pid of pids) assertGroupGone(pid);
    cleanup();
  });
  return r;
}

const starts = (r: Runners, name: string) => r.starts.get(name) ?? [];

describe('AppRunner', () => {
  it('a crash loop restarts with growing delays, one line per attempt with the exit code', async () => {
    const r = runners({ initialMs: 20, healthyAfterMs: 60_000 });
    const crashy = r.add((cwd) => ({ name: 'crashy', command: 'echo boom; exit 3', cwd }));
    await crashy.start();
    await waitFor(() => r.scheduled.length >= 5, 'five crash restarts scheduled');
    await crashy.stop();
    const delays = r.scheduled.map((s) => s.delayMs);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(r.scheduled.every((s) => s.name === 'crashy' && s.code === 3)).toBe(true);
    const lines = r.out.lines.filter((l) => l.includes('crashy exited with code 3; restarting in'));
    expect(lines).toHaveLength(r.scheduled.length);
    expect(lines[0]).toBe('devenv   | crashy exited with code 3; restarting in 20 ms (attempt 1)');
    expect(r.out.lines.filter((l) => l === 'crashy   | boom').length).toBe(starts(r, 'crashy').length);
    expect(crashy.status().state).toBe('stopped');
  });

  it('restart: never leaves a crashed app down, and on-failure leaves a clean exit down', async () => {
    const r = runners({ initialMs: 10 });
    const once = r.add((cwd) => ({ name: 'once', command: 'exit 4', cwd, restart: 'never' }));
    const job = r.add((cwd) => ({ name: 'job', command: 'true', cwd }));
    await once.start();
    await job.start();
    await waitFor(() => r.exits.length === 2, 'both exits');
    expect(r.scheduled).toEqual([]);
    expect(once.status()).toMatchObject({ state: 'crashed', pid: null, lastExit: { code: 4 } });
    expect(job.status()).toMatchObject({ state: 'exited', lastExit: { code: 0 } });
    expect(r.out.lines).toContain('devenv   | once exited with code 4; not restarting (restart: never)');
  });

  it('a missing command or working directory is one clear line and waits, without a restart storm', async () => {
    const r = runners({ initialMs: 10 });
    const broken = r.add((cwd) => ({ name: 'broken', command: 'no-such-binary-devenv --serve', cwd }));
    const lost = r.add((cwd) => ({ name: 'lost', command: 'sleep 1000', cwd: join(cwd, 'missing-dir') }));
    await broken.start();
    await lost.start();
    await waitFor(() => r.exits.some((e) => e.name === 'broken'), 'broken exits');
    expect(r.out.lines).toContain(
      'devenv   | broken: command not found (exit 127): no-such-binary-devenv --serve' +
        ' (check the command in your configuration); waiting for a file change',
    );
    expect(r.out.lines).toContain(`devenv   | lost: working directory ${join(r.dir, 'missing-dir')} does not exist`);
    expect(r.out.lines.some((l) => l.startsWith('broken   |') && l.includes('not found'))).toBe(true);
    expect(r.scheduled).toEqual([]);
    expect(broken.status().state).toBe('failed');
    expect(lost.status()).toMatchObject({ state: 'failed', pid: null });
    await lost.stop();
    expect(lost.status().state).toBe('failed'); // stopping does not hide why it never ran
  });

  it('a grandchild server behind sh -c frees its port before the new instance binds', async () => {
    const port = await freePort();
    const server = `
      const http = require("node:http");
      const srv = http.createServer((req, res) => res.end(String(process.pid)));
      srv.on("error", (e) => { console.log("bind failed " + e.code); process.exit(1); });
      srv.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening " + process.pid));
      // A slow graceful shutdown: the port stays taken for a while after SIGTERM.
      process.on("SIGTERM", () => setTimeout(() => process.exit(0), 300));
    `;
    const r = runners();
    const web = r.add((cwd) => {
      writeFileSync(join(cwd, 'server.cjs'), server);
      // "; echo" keeps sh from exec'ing node: node is a grandchild, sh dies first on SIGTERM.
      const command = `'${process.execPath}' server.cjs; echo server exited`;
      return { name: 'web', command, cwd, env: { ...process.env, PORT: String(port) } };
    });
    await web.start();
    // One connection per request, closed by the server's side first: a kept-alive connection of ours would
    // outlive the server half-closed (FIN-WAIT-1 on a loaded machine), which holds the port for a moment
    // though no process does, and the check at the end is about processes.
    const answer = () =>
      new Promise<string>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port, agent: false, headers: { connection: 'close' } }, (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (body += c))
            .on('end', () => resolve(body));
        });
        req.on('error', reject);
      });
    await waitFor(() => r.out.text.includes('web      | listening'), 'first server');
    const firstServer = Number(await answer());
    expect(firstServer).not.toBe(starts(r, 'web')[0]); // the server is not the group leader

    web.fileChanged('src/app.js');
    await waitFor(() => (r.out.text.match(/web {6}\| listening/g) ?? []).length === 2, 'second server');
    expect(r.out.lines).toContain('devenv   | web: restarting, changed: src/app.js');
    expect(r.out.text).not.toContain('bind failed');
    const secondServer = Number(await answer());
    expect(secondServer).not.toBe(firstServer);
    expect(isAlive(firstServer)).toBe(false);
    assertGroupGone(starts(r, 'web')[0]!);
    expect(web.status()).toMatchObject({ state: 'running', restarts: 1, pid: starts(r, 'web')[1] });

    await web.stop();
    expect(isAlive(secondServer)).toBe(false);
    assertGroupGone(starts(r, 'web')[1]!);
    // The port is free again: we can bind it ourselves.
    const probe = createServer();
    await new Promise<void>((res, rej) => probe.once('error', rej).listen(port, '127.0.0.1', () => res()));
    await new Promise((res) => probe.close(res));
  });

  it('a late event for a file the new instance already saw is no restart; a change after it is', async () => {
    const r = runners(undefined, 400); // a burst lasts until 400 ms without an event
    const web = r.add((cwd) => ({ name: 'web', command: 'sleep 1000', cwd }));
    const file = join(r.dir, 'app.js');
    await web.start();
    writeFileSync(file, 'v1'); // after the start: a change it has not seen
    await new Promise((res) => setTimeout(res, 100)); // and well before the restart below
    web.fileChanged('app.js', file);
    await waitFor(() => starts(r, 'web').length === 2, 'restart');
    web.fileChanged('app.js', file); // the same save's second event, after the new instance started
    await waitFor(() => !web.busy, 'end of the burst');
    expect(starts(r, 'web')).toHaveLength(2);

    writeFileSync(file, 'v2');
    web.fileChanged('app.js', file);
    await waitFor(() => starts(r, 'web').length === 3, 'restart');
    writeFileSync(file, 'v3'); // changed after the new instance started: it may have read the old one
    web.fileChanged('app.js', file);
    await waitFor(() => starts(r, 'web').length === 4, 'one more restart at the end of the burst');
    expect(r.out.lines).toContain('devenv   | web: restarting again, changed: app.js');
  });

  it('while held, a restart only stops the app', async () => {
    const r = runners();
    const web = r.add((cwd) => ({ name: 'web', command: 'sleep 1000 & wait', cwd }));
    await web.start();
    r.held = true;
    await web.restart();
    expect(web.status()).toMatchObject({ state: 'stopped', pid: null });
    assertGroupGone(starts(r, 'web')[0]!);
    r.held = false;
    await web.restart();
    expect(web.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect(starts(r, 'web')).toHaveLength(2);
  });

  it('stop({ kill: true }) ends a stop under way at once, and nothing restarts after a stop', async () => {
    const r = runners({ initialMs: 10 });
    const stubborn = r.add((cwd) => ({ name: 'stubborn', command: "trap '' TERM; echo ready; sleep 1000", cwd }));
    await stubborn.start();
    // Until the trap is set, SIGTERM would still work and the test would prove nothing.
    await waitFor(() => r.out.lines.includes('stubborn | ready'), 'trap set');
    const stopping = stubborn.stop();
    await waitFor(() => stubborn.status().state === 'stopping', 'stopping');
    expect(isAlive(starts(r, 'stubborn')[0]!)).toBe(true); // SIGTERM is ignored
    await Promise.all([stubborn.stop({ kill: true }), stopping]);
    expect(r.exits).toMatchObject([{ name: 'stubborn', signal: 'SIGKILL', requested: true }]);
    await stubborn.restart();
    expect(starts(r, 'stubborn')).toHaveLength(1);
    expect(r.scheduled).toEqual([]);
  });
});
