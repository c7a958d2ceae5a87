// `devenv up -d` fails, naming the process, how it ended and its last lines, whenever one of the stack's
// processes fails before everything is ready: a failing migration (what waits for it is not named), a
// missing environment variable, a port in use, a crash 1.5 s in while the worker waits for it, a probe
// that never passes. Each time everything is stopped again: no supervisor, no postgres, no app group.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { devenv, postgresProcessesUnder } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import { ForegroundUp, finish, logText, makeProject, supervisorPid, writeFile } from './helpers.js';
import { BROKEN_MIGRATIONS, MIGRATIONS, stackConfig, stackFiles, startedGroups } from './stack-apps.js';

const port = await freePort();

/** The server the crash and probe cases run instead of the real one. */
const NEEDS_KEY = `if (!process.env.API_KEY) { console.error('Error: API_KEY is not set'); process.exit(1); }
require('./server.js');
`;
const CRASHES_LATE = `console.log('loading the models');
setTimeout(() => { console.error('Error: out of memory loading the models'); process.exit(3); }, 1500);
`;
const NEVER_LISTENS = `console.log('starting, slowly');
setInterval(() => {}, 1000);
`;

describe('devenv up -d when a process fails before everything is ready', () => {
  const dir = makeProject('up-d-fail', { ...stackFiles(port), 'needs-key.js': NEEDS_KEY });
  afterAll(() => finish(dir, startedGroups(logText(dir, 'devenv'))));

  /** up -d, its one line, and proof that nothing of this run is left. */
  const failing = async (): Promise<string> => {
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(supervisorPid(dir)).toBeNull();
    expect(postgresProcessesUnder(dir)).toEqual([]);
    for (const pgid of startedGroups(logText(dir, 'devenv'))) assertGroupGone(pgid);
    return r.stderr.trim();
  };

  it('a failing migration: named with its exit and last lines; web, which waits for it, never starts', async () => {
    writeFile(dir, 'migrations.sql', BROKEN_MIGRATIONS);
    expect(await failing()).toBe(
      'devenv: devenv up -d: migrate: exited 1 (its last lines: migration failed: relation "nowhere" does not ' +
        'exist); everything was stopped again',
    );
    expect(logText(dir, 'devenv')).toMatch(/web: waiting for migrate \(exited 1\)/);
    expect(logText(dir, 'devenv')).not.toMatch(/web started/);
    writeFile(dir, 'migrations.sql', MIGRATIONS);
  });

  it('a missing environment variable: the server exits 1 at once', async () => {
    writeFile(dir, 'devenv.json', stackConfig(port, { web: { command: 'node needs-key.js' } }));
    expect(await failing()).toMatch(
      /^devenv: devenv up -d: web: exited 1 \(its last lines: Error: API_KEY is not set\); everything was stopped/,
    );
  });

  it('the same under a foreground up: status says why web backs off, and what the worker waits for', async () => {
    const up = new ForegroundUp(dir);
    try {
      await up.waitOutput(/web exited with code 1; restarting in/);
      const text = (await devenv(dir, ['status'])).stdout;
      expect(text).toMatch(
        new RegExp(
          `^ +web +backoff, exited 1; restarting, port ${port}, restarts \\d+, uptime -, ` +
            'last: exited with code 1: Error: API_KEY is not set$',
          'm',
        ),
      );
      expect(text).toMatch(/^ +worker +waiting for web \(exited 1; restarting\), restarts 0/m);
    } finally {
      up.child.kill('SIGINT');
      expect((await up.closed).code).toBe(0);
    }
  });

  it('a port in use: the server cannot listen and exits', async () => {
    writeFile(dir, 'devenv.json', stackConfig(port));
    // Accepts and never answers; its connections (the probe's) go with it.
    const sockets = new Set<Socket>();
    const holder: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      expect(await failing()).toMatch(
        /^devenv: devenv up -d: web: exited 1 \(its last lines: Error: listen EADDRINUSE: address already in use/,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('a crash 1.5 s in, while the worker waits for it to be ready', async () => {
    writeFile(dir, 'late.js', CRASHES_LATE);
    writeFile(dir, 'devenv.json', stackConfig(port, { web: { command: 'node late.js' } }));
    expect(await failing()).toBe(
      'devenv: devenv up -d: web: exited 3 (its last lines: loading the models | Error: out of memory loading ' +
        'the models); everything was stopped again',
    );
    expect(logText(dir, 'devenv')).not.toMatch(/worker started/);
  });

  it('a probe that never passes: not ready after its timeoutMs, with what the probe got', async () => {
    writeFile(dir, 'slow.js', NEVER_LISTENS);
    const web = { command: 'node slow.js', ready: { http: '/health', timeoutMs: 600 } };
    writeFile(dir, 'devenv.json', stackConfig(port, { web }));
    expect(await failing()).toBe(
      'devenv: devenv up -d: web: not ready after 600 ms: GET /health: connection refused (its last lines: ' +
        'starting, slowly); everything was stopped again',
    );
  });
});
