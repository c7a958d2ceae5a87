// The board: which conditions hold, what an app waits for, when a wait cannot end by itself.
import { describe, expect, it } from 'vitest';
import { AppGraph } from '../../src/app-graph.js';
import { ReadinessBoard } from '../../src/supervisor/readiness-board.js';

function board() {
  const graph = new AppGraph([
    { name: 'migrate' },
    { name: 'cache' },
    { name: 'web', dependsOn: { migrate: 'completed', cache: 'started' } },
    { name: 'worker', dependsOn: { web: 'ready' } },
  ]);
  return new ReadinessBoard(graph);
}

describe('ReadinessBoard', () => {
  it('started, ready and completed hold at their stage of an instance', () => {
    const b = board();
    expect(b.meets('cache', 'started')).toBe(false);
    b.spawned('cache');
    expect(b.meets('cache', 'started')).toBe(true);
    expect(b.meets('cache', 'ready')).toBe(false);
    b.ready('cache');
    expect(b.meets('cache', 'ready')).toBe(true);
    expect(b.meets('cache', 'completed')).toBe(false);
    b.ended('cache', 'completed');
    // A task that exited 0 counts as started and ready too.
    expect(['started', 'ready', 'completed'].map((c) => b.meets('cache', c as 'ready'))).toEqual([true, true, true]);
    b.ended('cache', 'failed', 'exited 1');
    expect(b.meets('cache', 'started')).toBe(false);
  });

  it('an app may start once every dependency meets its condition; blocker() names the first that does not', () => {
    const b = board();
    expect(b.met('migrate')).toBe(true); // needs nothing
    expect(b.blocker('web')).toBe('migrate (not started)');
    b.spawned('migrate');
    expect(b.blocker('web')).toBe('migrate (running)');
    b.ended('migrate', 'completed');
    expect(b.blocker('web')).toBe('cache (not started)');
    b.spawned('cache');
    expect(b.met('web')).toBe(true);
    expect(b.blocker('web')).toBeNull();
  });

  it('a restart on its way holds the next start of dependents back until its new instance runs', () => {
    const b = board();
    b.ended('migrate', 'completed');
    b.spawned('cache');
    expect(b.met('web')).toBe(true);
    b.expectRestart('migrate');
    expect(b.met('web')).toBe(false);
    expect(b.blocker('web')).toBe('migrate (restarting)');
    b.spawned('migrate');
    expect(b.blocker('web')).toBe('migrate (running)');
    b.ended('migrate', 'completed');
    expect(b.met('web')).toBe(true);
  });

  it('stuck: a dependency failed or was stopped, directly or further down', () => {
    const b = board();
    b.spawned('migrate');
    expect(b.stuck('web')).toBe(false); // running: it may still complete
    b.ended('migrate', 'failed', 'exited 1');
    expect(b.stuck('web')).toBe(true);
    expect(b.stuck('worker')).toBe(true); // waits for web, which waits for migrate
    expect(b.blocker('web')).toBe('migrate (exited 1)');
    b.expectRestart('migrate'); // run again: no longer stuck
    expect(b.stuck('web')).toBe(false);
    b.spawned('migrate');
    b.ended('migrate', 'completed');
    b.stopped('cache');
    expect(b.stuck('web')).toBe(true);
    expect(b.blocker('web')).toBe('cache (stopped)');
  });

  it('until() resolves at the change that makes it hold, or false when aborted', async () => {
    const b = board();
    const seen: string[] = [];
    void b.until(() => b.met('web')).then((ok) => seen.push(`web ${ok}`));
    const abort = new AbortController();
    const gaveUp = b.until(() => b.met('worker'), abort.signal);
    b.ended('migrate', 'completed');
    await Promise.resolve();
    expect(seen).toEqual([]);
    b.spawned('cache');
    await Promise.resolve();
    expect(seen).toEqual(['web true']);
    abort.abort();
    expect(await gaveUp).toBe(false);
  });
});
