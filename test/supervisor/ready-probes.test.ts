// One attempt of each probe against real servers and real commands; the command probe's group is gone
// afterwards, also when it left a child behind or was given up on.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { commandAttempt, httpAttempt, LogMatch, tcpAttempt } from '../../src/supervisor/ready-probes.js';
import { assertPidGone, freePort, tempDir, waitFor } from './helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const signal = () => new AbortController().signal;

async function listen(server: Server | ReturnType<typeof createTcpServer>, port: number, host = '127.0.0.1') {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
}

describe('http probe', () => {
  it('passes below 500 (a 404 still serves), fails on 500 and on a closed port, with the reason', async () => {
    const port = await freePort();
    await expect(httpAttempt(port, '/health')(signal())).rejects.toThrow('GET /health: connection refused');
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/health' ? 200 : req.url === '/broken' ? 503 : 404;
      res.end('x');
    });
    await listen(server, port);
    await httpAttempt(port, '/health')(signal());
    await httpAttempt(port, '/nothing-here')(signal());
    await expect(httpAttempt(port, '/broken')(signal())).rejects.toThrow('GET /broken: 503');
  });

  it('finds a server that listens on IPv6 loopback only', async () => {
    const port = await freePort();
    const server = createHttpServer((_req, res) => res.end('ok'));
    try {
      await listen(server, port, '::1');
    } catch {
      return; // no IPv6 here: nothing to prove
    }
    await httpAttempt(port, '/')(signal());
  });
});

describe('tcp probe', () => {
  it('passes once something accepts connections', async () => {
    const port = await freePort();
    await expect(tcpAttempt(port)(signal())).rejects.toThrow(`port ${port}: connection refused`);
    await listen(
      createTcpServer((s) => s.destroy()),
      port,
    );
    await tcpAttempt(port)(signal());
  });
});

describe('command probe', () => {
  it("runs in the app's directory and environment; exit 0 passes, else its last stderr line says why", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const ctx = { cwd: dir, env: { ...process.env, FLAG: 'ready.flag' } };
    const probe = commandAttempt('test -f "$FLAG" || { echo "no $FLAG in $(pwd)" >&2; exit 3; }', ctx);
    await expect(probe(signal())).rejects.toThrow(`exited with code 3: no ready.flag in ${dir}`);
    writeFileSync(join(dir, 'ready.flag'), '');
    await probe(signal());
  });

  it('a child it leaves running is killed with it', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await commandAttempt('sleep 1000 & echo $! > child.pid', { cwd: dir })(signal());
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    assertPidGone(child);
  });

  it('given up on (the attempt timed out), its whole group is killed', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const abort = new AbortController();
    const attempt = commandAttempt('echo $$ > shell.pid; sleep 1000 & echo $! > child.pid; wait', { cwd: dir });
    const result = attempt(abort.signal);
    await waitFor(() => {
      try {
        return readFileSync(join(dir, 'child.pid'), 'utf8').endsWith('\n');
      } catch {
        return false;
      }
    }, 'probe running');
    abort.abort();
    await expect(result).rejects.toThrow('killed by SIGKILL');
    assertPidGone(Number(readFileSync(join(dir, 'shell.pid'), 'utf8')));
    assertPidGone(Number(readFileSync(join(dir, 'child.pid'), 'utf8')));
  });
});

describe('log probe', () => {
  it('matches a line of either stream, split across chunks; lines after the match cost nothing', async () => {
    let matches = 0;
    const match = new LogMatch('listening on \\d+', () => matches++);
    const out = new PassThrough();
    const err = new PassThrough();
    match.watch(out);
    match.watch(err);
    await expect(match.attempt(signal())).rejects.toThrow('no line matching /listening on \\d+/ yet');
    out.write('compiling\nlisten');
    err.write('warning: x\n');
    expect(match.matched).toBe(false);
    out.write('ing on 3000\nmore\n');
    expect(match.matched).toBe(true);
    await match.attempt(signal());
    out.write('listening on 3001\n');
    expect(matches).toBe(1);
    expect(out.listenerCount('data')).toBe(0);
    expect(err.listenerCount('data')).toBe(0);
  });
});
