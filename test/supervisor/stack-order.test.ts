// The supervisor runs a stack in dependency order, on fake instances (fake-process.ts): start order,
// a failed task keeping its dependents back, a subset, re-runs and restarts in order, a file change.
// One app at a time and readiness probes: stack-control.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { definitions, fakeStack, readiness } from './fake-process.js';
import { tempDir, waitFor } from './helpers.js';
import { allUp, STACK, shutdownStacks, stack, sups } from './stack-fixture.js';

afterEach(shutdownStacks);

describe('a stack starts in dependency order', () => {
  it('independent apps start at once; each dependent when its dependency reaches its condition', async () => {
    const { sup, world } = stack();
    await sup.startApps();
    // migrate and cache need nothing: both run before anything else happens.
    expect(world.events).toEqual(['spawn migrate', 'spawn cache']);
    expect(readiness(sup, 'web')).toBe('waiting for migrate (running)');
    expect(readiness(sup, 'worker')).toBe('waiting for web (not started)');
    expect(sup.status().find((s) => s.name === 'web')!.state).toBe('waiting');

    world.last('migrate').exit(0);
    await waitFor(() => world.spawns('worker') === 1, 'worker');
    expect(world.events).toEqual(['spawn migrate', 'spawn cache', 'exit migrate 0', 'spawn web', 'spawn worker']);
    expect(readiness(sup, 'migrate')).toBe('completed');
    await waitFor(() => readiness(sup, 'worker') === 'ready', 'worker ready after its grace');
  });

  it('a task that fails keeps its dependents from starting, and says why with its last lines kept', async () => {
    const { sup, world, out } = stack();
    world.behaviour.set('migrate', (p) => {
      p.say('running 002_add_users.sql');
      p.say('ERROR: relation "users" already exists');
      p.exit(1);
    });
    await sup.startApps();
    await waitFor(() => readiness(sup, 'web') === 'waiting for migrate (exited 1)', 'web waiting');
    expect(readiness(sup, 'worker')).toBe('waiting for web (not started)');
    expect(world.spawns('web')).toBe(0);
    expect(sup.lastLines('migrate')).toEqual(['running 002_add_users.sql', 'ERROR: relation "users" already exists']);
    await waitFor(() => out.lines.includes('devenv  | web: waiting for migrate (exited 1)'), 'the line said');

    // Fixed and run again: what waited starts, in order.
    world.behaviour.set('migrate', (p) => p.exit(0));
    await sup.restartProcess('migrate');
    await waitFor(() => world.spawns('worker') === 1, 'worker');
    expect(world.of(['migrate', 'web', 'worker'], 3)).toEqual([
      'spawn migrate',
      'exit migrate 0',
      'spawn web',
      'spawn worker',
    ]);
  });

  it('up NAME: only those apps and what they need; an unknown name is refused', async () => {
    const { sup, world } = stack([...STACK, { name: 'admin', dependsOn: { migrate: 'completed' } }]);
    await expect(sup.startApps(undefined, { only: ['wrker'] })).rejects.toThrow(
      'there is no process "wrker" (did you mean "worker"?)',
    );
    world.behaviour.set('migrate', (p) => p.exit(0));
    await sup.startApps(undefined, { only: ['web'] });
    await waitFor(() => world.spawns('web') === 1, 'web');
    expect(world.events.filter((e) => e.startsWith('spawn')).sort()).toEqual([
      'spawn cache',
      'spawn migrate',
      'spawn web',
    ]);
    expect(readiness(sup, 'admin')).toBe('not started');
    expect(readiness(sup, 'worker')).toBe('not started');
  });
});

describe('re-runs and restarts follow the dependencies', () => {
  it('a task run again restarts what waits for it to complete only once it has completed', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    const webBefore = world.last('web');
    const workerBefore = world.last('worker');
    const mark = world.events.length;
    world.behaviour.set('migrate', () => {}); // this time it takes a while
    const restarted = sup.restartProcess('migrate');
    await waitFor(() => world.spawns('migrate') === 2, 'migrate again');
    await restarted;
    // While it runs, the old web keeps serving; its restart waits.
    expect(webBefore.state).toBe('running');
    expect(readiness(sup, 'web')).toBe('ready; its restart waits for migrate (running)');
    world.last('migrate').exit(0);
    await waitFor(() => world.spawns('web') === 2, 'web restarted');
    expect(world.of(['migrate', 'web'], mark)).toEqual(['spawn migrate', 'exit migrate 0', 'exit web', 'spawn web']);
    // worker waits for web to be ready, not to complete: it keeps running.
    expect(world.last('worker')).toBe(workerBefore);
    expect(workerBefore.state).toBe('running');
  });

  it('a task that fails when run again restarts nothing: the old instances keep serving, status says why', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    const web = world.last('web');
    world.behaviour.set('migrate', (p) => p.exit(1));
    await sup.restartProcess('migrate');
    await waitFor(() => readiness(sup, 'web').includes('exited 1'), 'web says why');
    expect(readiness(sup, 'web')).toBe('ready; its restart waits for migrate (exited 1)');
    expect(world.last('web')).toBe(web);
    expect(web.state).toBe('running');
    // Fixed: web restarts once, after migrate.
    world.behaviour.set('migrate', (p) => p.exit(0));
    await sup.restartProcess('migrate');
    await waitFor(() => world.spawns('web') === 2, 'web restarted');
    await sup.idle();
    expect(world.spawns('web')).toBe(2);
  });

  it('after a hold (database restart) the apps come back in order: the task first', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    await sup.holdApps('test', 'holding');
    expect(world.instances.filter((p) => p.state === 'running')).toEqual([]);
    const mark = world.events.length;
    await sup.releaseApps('test');
    await waitFor(() => world.spawns('worker') === 2, 'worker back');
    const order = world.of(['migrate', 'web', 'worker'], mark);
    expect(order).toEqual(['spawn migrate', 'exit migrate 0', 'spawn web', 'spawn worker']);
  });

  it('a reload or release whose task fails returns all the same: the next one is not held up', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    world.behaviour.set('migrate', (p) => p.exit(p.command === 'bad' ? 1 : 0));
    const withMigrate = (command: string) =>
      definitions(STACK.map((a) => (a.name === 'migrate' ? { ...a, command } : a)));
    await sup.reconfigure(withMigrate('bad'));
    await waitFor(() => readiness(sup, 'web') === 'ready; its restart waits for migrate (exited 1)', 'web waits');
    await sup.holdApps('test', 'holding');
    await sup.releaseApps('test');
    await waitFor(() => readiness(sup, 'web') === 'waiting for migrate (exited 1)', 'web waits again');
    await sup.reconfigure(withMigrate('good'));
    await waitFor(() => readiness(sup, 'worker') === 'ready', 'all back');
    expect(world.spawns('web')).toBe(2);
  });

  it('a crash restart waits for a dependency that is not there', async () => {
    const { sup, world } = stack();
    await allUp(world, sup);
    world.behaviour.set('migrate', () => {});
    await sup.restartProcess('migrate'); // running again, not completed
    world.last('web').exit(1); // crashes meanwhile: its restart must wait for migrate
    await waitFor(() => readiness(sup, 'web') === 'waiting for migrate (running)', 'web waits');
    expect(world.spawns('web')).toBe(1);
    world.last('migrate').exit(0);
    await waitFor(() => world.spawns('web') === 2, 'web back');
  });
});

describe('a file change that touches several apps', () => {
  it('restarts them in order: migrate completes, then web restarts, then worker once web is ready', async () => {
    const { dir, cleanup } = tempDir();
    const { sup, world } = fakeStack(STACK, { root: dir, watch: true, debounceMs: 50 });
    sups.push(sup);
    try {
      await allUp(world, sup);
      const mark = world.events.length;
      writeFileSync(join(dir, 'schema.sql'), 'create table t ();\n');
      await waitFor(() => world.spawns('worker') === 2, 'worker restarted');
      await sup.idle();
      expect(world.of(['migrate', 'web', 'worker'], mark)).toEqual([
        'spawn migrate',
        'exit migrate 0',
        'exit web',
        'spawn web',
        'exit worker',
        'spawn worker',
      ]);
      expect(world.spawns('migrate')).toBe(2);
      expect(world.spawns('web')).toBe(2);
    } finally {
      await sup.shutdown();
      cleanup();
    }
  });
});
