// A stack of real processes: a task that writes a file gates a real node HTTP server, whose readiness
// gates a worker that calls it; a failing task; a probe that never passes; one app stopped and started.
// The harness proves at the end of each test that every process group it started is gone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../src/app-definition.js';
import { setup, startAll, starts } from './harness.js';
import { assertGroupGone, freePort, isAlive, waitFor } from './helpers.js';

const SERVER = `
const fs = require('node:fs');
if (!fs.existsSync('migrated')) { console.error('no schema: migrate has not run'); process.exit(1); }
require('node:http')
  .createServer((req, res) => res.end(req.url === '/health' ? 'ok' : 'hello from web'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

const WORKER = `
require('node:http')
  .get('http://127.0.0.1:' + process.env.WEB_PORT + '/', (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => { console.log('worker got: ' + body); setInterval(() => {}, 1000); });
  })
  .on('error', (e) => { console.error('worker: ' + e.message); process.exit(1); });
`;

/** A line as the log shows it: names padded to the longest, "postgres". */
const line = (name: string, text: string) => `${name.padEnd('postgres'.length)} | ${text}`;

const readiness = (h: ReturnType<typeof setup>, name: string) =>
  h.sup.status().find((s) => s.name === name)?.readiness?.text;

function stack(dir: string, port: number, migrate: string): AppDefinition[] {
  writeFileSync(join(dir, 'server.js'), SERVER);
  writeFileSync(join(dir, 'worker.js'), WORKER);
  const env = { ...process.env, PORT: String(port), WEB_PORT: String(port) };
  return [
    { name: 'worker', command: 'node worker.js', cwd: dir, env, watch: [], dependsOn: { web: 'ready' } },
    {
      name: 'web',
      command: 'node server.js',
      cwd: dir,
      env,
      watch: [],
      dependsOn: { migrate: 'completed' },
      ready: { kind: 'http', port, path: '/health' },
    },
    { name: 'migrate', command: migrate, cwd: dir, env, watch: [], restart: 'never' },
  ];
}

describe('a real stack', () => {
  it('migrate, then the server once migrated, then the worker once the server answers', async () => {
    const port = await freePort();
    const h = setup((dir) => stack(dir, port, 'sleep 0.2; echo migrated > migrated; echo migration done'));
    await startAll(h);
    await waitFor(() => h.out.lines.includes(line('worker', 'worker got: hello from web')), 'the worker reached web', {
      detail: () => h.out.text,
    });
    expect(h.order).toEqual(['db:start', 'migrate:start', 'migrate:exit', 'web:start', 'worker:start']);
    expect(readiness(h, 'migrate')).toBe('completed');
    expect(readiness(h, 'web')).toBe('ready');
    expect(h.sup.lastLines('migrate')).toEqual(['migration done']);

    // One app stopped: what needs it goes first; the database keeps running.
    const [web] = starts(h, 'web');
    const [worker] = starts(h, 'worker');
    await h.sup.stopProcess('web');
    assertGroupGone(web!);
    assertGroupGone(worker!);
    expect(h.order.slice(-2)).toEqual(['worker:exit', 'web:exit']);
    expect(readiness(h, 'worker')).toBe('stopped');
    expect(isAlive(h.db.pid!)).toBe(true);

    // Started again with what it needs: web first (migrate has completed and is not run again).
    await h.sup.startProcess('worker');
    await waitFor(() => starts(h, 'worker').length === 2, 'worker again');
    expect(h.order.slice(-2)).toEqual(['web:start', 'worker:start']);
    expect(starts(h, 'migrate')).toHaveLength(1);
    await waitFor(
      () => h.out.lines.filter((l) => l === line('worker', 'worker got: hello from web')).length === 2,
      'the new worker reached the new web',
    );
  });

  it('a failing migration keeps the server and the worker from starting, and keeps its last lines', async () => {
    const port = await freePort();
    const h = setup((dir) =>
      stack(dir, port, `echo 'applying 002_users.sql'; echo 'ERROR: syntax error at or near "tabel"' >&2; exit 1`),
    );
    await startAll(h);
    await waitFor(() => readiness(h, 'web') === 'waiting for migrate (exited 1)', 'web waiting', {
      detail: () => JSON.stringify(h.sup.status()),
    });
    expect(readiness(h, 'worker')).toBe('waiting for web (not started)');
    expect(h.sup.status().find((s) => s.name === 'web')).toMatchObject({ state: 'waiting', pid: null });
    expect(h.sup.lastLines('migrate')).toEqual(['applying 002_users.sql', 'ERROR: syntax error at or near "tabel"']);
    expect(h.out.lines).toContain(line('devenv', 'web: waiting for migrate (exited 1)'));
    expect(starts(h, 'web')).toEqual([]);
  });

  it('a probe that never passes times out; the status says so and what waits for it waits', async () => {
    const port = await freePort();
    const h = setup((dir) => [
      {
        name: 'web',
        command: 'sleep 1000',
        cwd: dir,
        watch: [],
        ready: { kind: 'tcp', port, intervalMs: 50, timeoutMs: 300 },
      },
      { name: 'worker', command: 'sleep 1000', cwd: dir, watch: [], dependsOn: { web: 'ready' } },
    ]);
    await startAll(h);
    const timedOut = `not ready after 300 ms: port ${port}: connection refused`;
    await waitFor(() => readiness(h, 'web') === timedOut, 'the timeout', {
      detail: () => String(readiness(h, 'web')),
    });
    expect(readiness(h, 'worker')).toBe(`waiting for web (${timedOut})`);
    expect(starts(h, 'worker')).toEqual([]);
    expect(h.out.lines).toContain(line('devenv', `worker: waiting for web (${timedOut})`));
  });

  it("a command probe runs in the app's directory: the worker starts once it passes", async () => {
    const h = setup((dir) => [
      {
        name: 'web',
        command: 'sleep 0.3; touch up.flag; exec sleep 1000',
        cwd: dir,
        watch: [],
        ready: { kind: 'command', command: 'test -f up.flag' },
      },
      {
        name: 'worker',
        command: 'test -f up.flag && echo saw the flag; exec sleep 1000',
        cwd: dir,
        watch: [],
        dependsOn: { web: 'ready' },
      },
    ]);
    await startAll(h);
    await waitFor(() => h.out.lines.includes(line('worker', 'saw the flag')), 'worker saw the flag', {
      detail: () => h.out.text,
    });
    expect(readiness(h, 'web')).toBe('ready');
  });
});
