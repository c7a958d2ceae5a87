// Restart waves on a fake target: every member marked before any restart, what consumed a task's
// result brought along, changes of one turn of the event loop collected into one wave.
import { describe, expect, it } from 'vitest';
import { AppGraph } from '../../src/app-graph.js';
import { RestartWaves } from '../../src/supervisor/restart-waves.js';

function target(inactive: string[] = [], waiting: string[] = []) {
  const calls: string[] = [];
  const graph = new AppGraph([
    { name: 'migrate' },
    { name: 'seed', dependsOn: { migrate: 'completed' } },
    { name: 'web', dependsOn: { seed: 'completed' } },
    { name: 'worker', dependsOn: { web: 'ready' } },
    { name: 'admin', dependsOn: { migrate: 'completed' } },
  ]);
  const waves = new RestartWaves({
    graph: () => graph,
    active: (n) => !inactive.includes(n),
    expectRestart: (n) => calls.push(`expect ${n}`),
    restart: async (n) => {
      calls.push(`restart ${n}`);
    },
    waiting: (n) => waiting.includes(n),
    say: (l) => calls.push(`say ${l}`),
  });
  return { calls, waves };
}

describe('RestartWaves', () => {
  it('a task run again brings what waits for it to complete (transitively), all marked first', async () => {
    const { calls, waves } = target(['admin']);
    await waves.run(['migrate']);
    expect(calls).toEqual([
      'expect migrate',
      'expect seed',
      'expect web',
      'say seed: restarting once migrate completed again',
      'say web: restarting once seed completed again',
      'restart migrate',
      'restart seed',
      'restart web',
    ]);
  });

  it('an app whose restart already waits for its dependencies is marked, not asked again', async () => {
    const { calls, waves } = target([], ['web']);
    await waves.run(['web', 'worker']);
    expect(calls).toEqual(['expect web', 'expect worker', 'restart worker']);
  });

  it('changes reported in one turn of the event loop are one wave', async () => {
    const { calls, waves } = target();
    waves.changed('worker');
    waves.changed('web');
    waves.changed('worker');
    expect(waves.pending).toBe(true);
    expect(calls).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(waves.pending).toBe(false);
    expect(calls).toEqual(['expect web', 'expect worker', 'restart web', 'restart worker']);
  });

  it('cancel() drops a wave being collected', async () => {
    const { calls, waves } = target();
    waves.changed('web');
    waves.cancel();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([]);
  });
});
