// The database's life without a supervisor around it: recovery after a crash with backoff, restart on
// request, and a stop that a second request turns into a kill.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackoffOptions } from '../../src/supervisor/backoff.js';
import { DatabaseRunner, DatabaseStartError } from '../../src/supervisor/database-runner.js';
import { LogOutput } from '../../src/supervisor/log-output.js';
import type { RestartScheduled } from '../../src/supervisor/process-status.js';
import { FakeDatabase } from './harness.js';
import { Capture, isAlive, waitFor } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function database(backoff?: BackoffOptions) {
  const order: string[] = [];
  const db = new FakeDatabase(order);
  const out = new Capture();
  const log = new LogOutput({ out, color: false, names: ['devenv', 'postgres'] });
  const scheduled: RestartScheduled[] = [];
  const restarted: number[] = [];
  let closed = false;
  const runner = new DatabaseRunner(db, {
    name: 'postgres',
    say: (line) => log.line('devenv', line),
    emit: (event, payload) => {
      if (event === 'restart-scheduled') scheduled.push(payload as RestartScheduled);
      if (event === 'database-restarted') restarted.push((payload as { restarts: number }).restarts);
    },
    backoff,
    closed: () => closed,
  });
  cleanups.push(async () => {
    closed = true;
    runner.cancelRecovery();
    await runner.stop();
    for (const pid of db.pids) expect(isAlive(pid)).toBe(false);
  });
  return { db, out, order, scheduled, restarted, runner };
}

describe('DatabaseRunner', () => {
  it('restarts the database when it dies unexpectedly', async () => {
    const { db, out, runner, restarted } = database({ initialMs: 10 });
    await runner.start();
    expect(runner.status()).toMatchObject({ state: 'running', pid: db.pid, restarts: 0 });
    const firstDb = db.pid!;
    process.kill(firstDb, 'SIGKILL');
    await waitFor(() => db.pids.length === 2, 'database restart');
    await waitFor(() => runner.status().state === 'running', 'database running');
    expect(runner.status()).toMatchObject({ name: 'postgres', restarts: 1, lastExit: { signal: 'SIGKILL' } });
    expect(runner.status().pid).toBe(db.pids[1]);
    expect(out.lines).toContain('devenv   | postgres killed by SIGKILL unexpectedly; restarting in 10 ms');
    expect(restarted).toEqual([1]);
    expect(isAlive(firstDb)).toBe(false);
  });

  it('keeps retrying a database that fails to restart, with growing delays and one line per attempt', async () => {
    const { db, out, runner, scheduled } = database({ initialMs: 10, healthyAfterMs: 60_000 });
    await runner.start();
    db.failStarts = 2;
    process.kill(db.pid!, 'SIGKILL');
    await waitFor(() => db.pids.length === 2, 'database restart');
    await waitFor(() => runner.status().state === 'running', 'database running');
    expect(scheduled.map((s) => s.delayMs)).toEqual([10, 20, 40]);
    expect(out.lines.filter((l) => l.includes('restarting in'))).toEqual([
      'devenv   | postgres killed by SIGKILL unexpectedly; restarting in 10 ms',
      'devenv   | postgres failed to restart: could not start (fake); restarting in 20 ms',
      'devenv   | postgres failed to restart: could not start (fake); restarting in 40 ms',
    ]);
    expect(runner.status().restarts).toBe(1);
  });

  it('a start that fails is said once and rejects with DatabaseStartError; restart() tries again', async () => {
    const { db, out, order, runner } = database();
    db.failStarts = 1;
    await expect(runner.start()).rejects.toThrow(DatabaseStartError);
    expect(runner.status().state).toBe('failed');
    expect(out.lines).toEqual([
      'devenv   | starting postgres',
      'devenv   | postgres failed to start: could not start (fake)',
    ]);
    await runner.restart();
    expect(runner.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect(order).toEqual(['db:start-failed', 'db:stop', 'db:start']);
  });

  it('escalate() turns a stop under way into a kill', async () => {
    const { db, order, runner } = database();
    db.stubborn = true;
    await runner.start();
    const pid = db.pid!;
    // Until `sleep` runs, the shell may not have set the trap yet and SIGTERM would still work.
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 'trap set');
    const stopping = runner.stop();
    await waitFor(() => runner.status().state === 'stopping', 'stopping');
    await runner.escalate();
    await stopping;
    expect(order).toEqual(['db:start', 'db:stop', 'db:kill']);
    expect(runner.status().state).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
  });
});
