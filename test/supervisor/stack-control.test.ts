// One app of a stack stopped, started or restarted with its dependency rules, where a control request
// leaves it (processOutcome), and readiness probes that time out, on fake instances (fake-process.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { readiness } from './fake-process.js';
import { waitFor } from './helpers.js';
import { allUp, shutdownStacks, stack } from './stack-fixture.js';

afterEach(shutdownStacks);

describe('one app at a time', () => {
  it('stopProcess stops its dependents first; startProcess starts what it needs; the rest keep running', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    const cache = world.last('cache');
    const mark = world.events.length;
    await sup.stopProcess('web');
    expect(world.of(['web', 'worker'], mark)).toEqual(['exit worker', 'exit web']);
    expect(readiness(sup, 'web')).toBe('stopped');
    expect(readiness(sup, 'worker')).toBe('stopped');
    expect(cache.state).toBe('running');

    await sup.startProcess('worker');
    await waitFor(() => world.spawns('worker') === 2, 'worker');
    // migrate has completed and stays so: it does not run again. web comes first.
    expect(world.of(['migrate', 'web', 'worker'], mark + 2)).toEqual(['spawn web', 'spawn worker']);
    expect(world.last('cache')).toBe(cache);
  });

  it('restartProcess of a ready app restarts it alone; its "ready" dependents keep running', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    const worker = world.last('worker');
    const mark = world.events.length;
    await sup.restartProcess('web');
    expect(world.of(['migrate', 'web', 'worker'], mark)).toEqual(['exit web', 'spawn web']);
    expect(world.last('worker')).toBe(worker);
    await expect(sup.restartProcess('nope')).rejects.toThrow('there is no process "nope"');
  });

  it('startProcess resolves when a dependency it needs failed, and says so', async () => {
    const { sup, world } = stack();
    world.behaviour.set('migrate', (p) => p.exit(1));
    await sup.startApps(undefined, { only: ['cache'] });
    await sup.startProcess('web');
    expect(readiness(sup, 'web')).toBe('waiting for migrate (exited 1)');
    expect(world.spawns('web')).toBe(0);
  });
});

describe('where a control request leaves an app (processOutcome)', () => {
  it('ready, and a task only once it completed; what start and stop did, named', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    expect(await sup.processOutcome('web')).toEqual({
      ok: true,
      text: 'ready',
      pid: expect.any(Number),
      lastLines: [],
    });
    // A task that runs longer than the grace is not done at "ready": web waits for it to complete.
    world.behaviour.set('migrate', (p) => setTimeout(() => p.exit(0), 80));
    expect(await sup.restartProcesses(['migrate'])).toEqual(['migrate']);
    expect(await sup.processOutcome('migrate')).toMatchObject({ ok: true, text: 'completed' });
    expect(await sup.stopProcess('web')).toEqual(['worker', 'web']);
    expect(sup.status().find((p) => p.name === 'web')?.state).toBe('stopped');
    expect(await sup.startProcess('worker')).toEqual(['web', 'worker']);
    expect(await sup.processOutcome('worker')).toMatchObject({ ok: true, text: 'ready' });
    expect(await sup.startProcess('worker')).toEqual([]);
  });

  it('a failure with its own last lines; a dependent stuck on it says what it waits for', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    world.behaviour.set('migrate', (p) => {
      p.say('ERROR: relation "users" already exists');
      p.exit(1);
    });
    await sup.restartProcesses(['migrate']);
    expect(await sup.processOutcome('migrate')).toEqual({
      ok: false,
      text: 'exited 1',
      pid: null,
      lastLines: ['ERROR: relation "users" already exists'],
    });
    await sup.stopProcess('web');
    await sup.startProcess('web');
    expect(await sup.processOutcome('web')).toMatchObject({ ok: false, text: 'waiting for migrate (exited 1)' });
  });

  it('restart with no name: every app that runs, not one left out', async () => {
    const { sup, world } = stack();
    world.behaviour.set('migrate', (p) => p.exit(0));
    await sup.startApps(undefined, { only: ['cache'] });
    expect(await sup.restartProcesses([])).toEqual(['cache']);
    expect(world.spawns('worker')).toBe(0);
  });
});

describe('readiness probes', () => {
  it('a log probe that never matches times out, the status says so, and a later match still counts', async () => {
    const { sup, world } = stack([
      { name: 'web', ready: { kind: 'log', pattern: 'listening on \\d+', intervalMs: 20, timeoutMs: 100 } },
      { name: 'worker', dependsOn: { web: 'ready' } },
    ]);
    await sup.startApps();
    world.last('web').say('compiling…');
    await waitFor(() => readiness(sup, 'web').startsWith('not ready after'), 'timeout');
    expect(readiness(sup, 'web')).toBe('not ready after 100 ms: no line matching /listening on \\d+/ yet');
    expect(readiness(sup, 'worker')).toBe(
      'waiting for web (not ready after 100 ms: no line matching /listening on \\d+/ yet)',
    );
    expect(world.spawns('worker')).toBe(0);
    world.last('web').say('listening on 3000');
    await waitFor(() => world.spawns('worker') === 1, 'worker');
    expect(readiness(sup, 'web')).toBe('ready');
  });

  it('without a probe, an app that exits within the grace is not ready', async () => {
    const { sup, world } = stack([
      { name: 'web', restart: 'never' },
      { name: 'worker', dependsOn: { web: 'ready' } },
    ]);
    world.behaviour.set('web', (p) => p.exit(3));
    await sup.startApps();
    await waitFor(() => readiness(sup, 'worker') === 'waiting for web (exited 3)', 'worker waits');
    expect(world.spawns('worker')).toBe(0);
  });
});
