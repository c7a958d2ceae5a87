// The supervisor orders its units: the database before the apps, file changes to restarts,
// reconfiguration, and shutdown (apps, then the database; a second request kills).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseStartError } from '../../src/supervisor/database-runner.js';
import { settleWithSentinel, setup, startAll, starts } from './harness.js';
import { assertGroupGone, isAlive, waitFor } from './helpers.js';

describe('Supervisor', () => {
  it(
    'starts the database then the apps; a file change gives a new pid with the old group gone; ' +
      'shutdown stops apps, then the database',
    async () => {
      const h = setup((dir) => [{ name: 'web', command: 'sleep 1000 & wait', cwd: dir }]);
      let finished = false;
      void h.sup.done().then(() => (finished = true));
      await startAll(h);
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
    },
  );

  it("an editor's write-temp-then-rename save is exactly one restart", async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }]);
    await startAll(h);
    writeFileSync(join(h.dir, 'src/.app.js.tmp'), 'v2\n');
    renameSync(join(h.dir, 'src/.app.js.tmp'), join(h.dir, 'src/app.js'));
    await waitFor(() => starts(h, 'web').length >= 2, 'restart');
    await settleWithSentinel(h, 'web');
    expect(starts(h, 'web')).toHaveLength(3); // initial + save + sentinel
    expect(h.changes[0]!.paths).toEqual([join('src', 'app.js')]);
  });

  it('a file change restarts at once, not after the quiet time that ends a burst', async () => {
    // A minute of quiet time: only a restart on the first event can come within the wait below.
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }], { debounceMs: 60_000 });
    await startAll(h);
    writeFileSync(join(h.dir, 'src/app.js'), 'v2\n');
    await waitFor(() => starts(h, 'web').length === 2, 'restart', { timeoutMs: 10_000 });
    expect(h.changes.map((c) => c.paths)).toEqual([[join('src', 'app.js')]]);
  });

  it('a burst of 20 writes in 50 ms is one or two restarts', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }], { debounceMs: 100 });
    await startAll(h);
    // 2.5 ms apart by the clock, whatever the load: a timer could be late enough to split the burst.
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(h.dir, 'src', `f${i % 10}.js`), String(i));
      const until = performance.now() + 2.5;
      while (performance.now() < until);
    }
    await waitFor(() => starts(h, 'web').length >= 2, 'restart');
    await settleWithSentinel(h, 'web');
    const burstRestarts = starts(h, 'web').length - 2; // minus initial start and sentinel restart
    expect(burstRestarts).toBeGreaterThanOrEqual(1);
    expect(burstRestarts).toBeLessThanOrEqual(2);
  });

  it('changes while the old instance is still stopping are seen by the new one: no extra restart', async () => {
    // It takes a while to stop, so the writes below land while the restart has not spawned yet.
    const h = setup((dir) => [{ name: 'web', command: "trap 'sleep 0.5; exit 0' TERM; sleep 1000 & wait", cwd: dir }], {
      debounceMs: 50,
    });
    await startAll(h);
    writeFileSync(join(h.dir, 'src/app.js'), 'v2\n');
    await waitFor(() => h.sup.status()[1]!.state === 'restarting', 'restarting');
    for (let i = 0; i < 5; i++) writeFileSync(join(h.dir, 'src', `during${i}.js`), String(i));
    await waitFor(() => starts(h, 'web').length === 2, 'restart');
    await settleWithSentinel(h, 'web');
    expect(starts(h, 'web')).toHaveLength(3); // initial + the change + sentinel
  });

  it('a second shutdown request kills everything at once', async () => {
    const h = setup(
      (dir) => [{ name: 'stubborn', command: "trap '' TERM; echo ready; sleep 1000", cwd: dir, watch: [] }],
      {
        graceMs: 60_000, // without the second request this test would hang
      },
    );
    await startAll(h);
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
    const starting = startAll(h);
    await waitFor(() => h.order.includes('db:start'), 'database started');
    await h.sup.shutdown();
    await starting;
    for (const pids of h.starts.values()) for (const pid of pids) assertGroupGone(pid);
    expect(h.order.at(-1)).toBe('db:stop');
    expect(h.sup.status().every((s) => s.state === 'stopped')).toBe(true);
  });

  it("writes each process's lines to <name>.log", async () => {
    const h = setup((dir) => [{ name: 'web', command: 'echo hello from web; sleep 1000', cwd: dir, watch: [] }]);
    await startAll(h);
    await waitFor(() => h.out.lines.includes('web      | hello from web'), 'output');
    await h.sup.shutdown();
    await h.log.close();
    // The line as the app wrote it, after its time.
    expect(readFileSync(join(h.dir, '.pgres/logs/web.log'), 'utf8')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello from web\n$/,
    );
    expect(readFileSync(join(h.dir, '.pgres/logs/devenv.log'), 'utf8')).toContain('web started (pid ');
  });

  it(
    'reconfigure: a changed app restarts with its new env, an unchanged one keeps running, ' +
      'a removed one is gone, an added one starts',
    async () => {
      const h = setup((dir) => [
        { name: 'web', command: 'sleep 1000', cwd: dir, env: { ...process.env, V: '1' }, watch: [] },
        { name: 'keep', command: 'sleep 1000', cwd: dir, watch: [] },
        { name: 'old', command: 'sleep 1000 & wait', cwd: dir, watch: [] },
      ]);
      await startAll(h);
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
    },
  );

  it('restartDatabase stops the apps first, restarts the database, then starts the apps', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir, watch: [] }]);
    await startAll(h);
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
    await expect(h.sup.restartDatabase()).rejects.toThrow(DatabaseStartError);
    expect(h.sup.status().map((s) => s.state)).toEqual(['failed', 'stopped']);
    await h.sup.restartDatabase();
    expect(h.sup.status().map((s) => s.state)).toEqual(['running', 'running']);
  });

  it('holds add up: the apps start again when the last holder lets go, with the definitions it gives', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir, watch: [] }]);
    await startAll(h);
    const [first] = starts(h, 'web');
    await h.sup.holdApps('a', 'held by a');
    assertGroupGone(first!);
    await h.sup.holdApps('b', 'held by b');
    // Held: neither a restart request nor a database restart starts the app.
    await h.sup.restartDatabase();
    await h.sup.releaseApps('a');
    expect(h.sup.status().map((s) => [s.name, s.state])).toEqual([
      ['postgres', 'running'],
      ['web', 'stopped'],
    ]);
    await h.sup.releaseApps('b', [{ name: 'web', command: 'sleep 1000', cwd: h.dir, watch: [], env: { X: '1' } }]);
    expect(starts(h, 'web')).toHaveLength(2);
    expect(h.sup.status()[1]!.state).toBe('running');
    expect(h.out.lines.filter((l) => l.includes('held by'))).toEqual(['devenv   | held by a']);
  });

  it('pauseDatabase needs held apps; paused, no crash recovery brings it back; resumeDatabase does', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir, watch: [] }]);
    await startAll(h);
    await expect(h.sup.pauseDatabase()).rejects.toThrow(/held/);
    await h.sup.holdApps('restore', 'stopping the apps');
    const mark = h.order.length;
    await h.sup.pauseDatabase();
    expect(isAlive(h.db.pids[0]!)).toBe(false);
    expect(h.sup.status()[0]!.state).toBe('stopped');
    await h.sup.resumeDatabase();
    await h.sup.releaseApps('restore');
    expect(h.order.slice(mark)).toEqual(['db:stop', 'db:start', 'web:start']);
    expect(h.sup.status().map((s) => [s.state, s.restarts])).toEqual([
      ['running', 1],
      ['running', 1],
    ]);
  });

  it('files the caller reloads itself (configFiles) do not restart apps', async () => {
    const h = setup((dir) => [{ name: 'web', command: 'sleep 1000', cwd: dir }], {
      configFiles: ['devenv.json', '.env'],
    });
    await startAll(h);
    writeFileSync(join(h.dir, 'devenv.json'), '{}');
    writeFileSync(join(h.dir, '.env'), 'A=1');
    await settleWithSentinel(h, 'web');
    expect(h.changes.map((c) => c.paths)).toEqual([['sentinel.txt']]);
  });
});
