import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../src/app-definition.js';
import { AppGraph, dependencyProblem } from '../src/app-graph.js';

type App = Pick<AppDefinition, 'name' | 'dependsOn' | 'restart'>;
const app = (name: string, dependsOn?: App['dependsOn'], restart?: App['restart']): App => ({
  name,
  dependsOn,
  restart,
});

describe('dependencyProblem', () => {
  it('accepts a stack: migrate, web after it, worker after web', () => {
    const apps = [
      app('migrate', undefined, 'never'),
      app('web', { migrate: 'completed' }),
      app('worker', { web: 'ready' }),
    ];
    expect(dependencyProblem(apps)).toBeNull();
  });

  it.each([
    [
      [app('web', { migrat: 'completed' }), app('migrate')],
      'web.dependsOn: there is no process "migrat" (did you mean "migrate"?)',
    ],
    [[app('web', { nope: 'ready' })], 'web.dependsOn: there is no process "nope"'],
    [[app('web', { web: 'ready' })], 'web.dependsOn: a process cannot depend on itself'],
    [
      [app('web', { postgres: 'ready' })],
      'web.dependsOn: postgres is started and set up before every process anyway; remove it from dependsOn',
    ],
    [
      [app('a', { b: 'ready' }), app('b', { c: 'started' }), app('c', { a: 'ready' })],
      'a.dependsOn: a cycle: a → b → c → a',
    ],
    [
      [app('web', { migrate: 'completed' }), app('migrate', undefined, 'always')],
      'web.dependsOn.migrate: "completed" waits for migrate to exit 0, but migrate restarts always, so it never ' +
        'stays exited; wait for "ready" instead, or give migrate restart "on-failure" or "never"',
    ],
    [[app('web', { migrate: 'done' as 'ready' }), app('migrate')], 'web.dependsOn.migrate: must be one of'],
  ])('refuses %j with one line naming it', (apps, message) => {
    expect(dependencyProblem(apps)).toContain(message);
  });

  it('finds a cycle that does not start at the first app', () => {
    expect(dependencyProblem([app('x'), app('a', { b: 'ready' }), app('b', { a: 'ready' })])).toBe(
      'a.dependsOn: a cycle: a → b → a',
    );
  });
});

describe('AppGraph', () => {
  const graph = new AppGraph([
    app('worker', { web: 'ready' }),
    app('web', { migrate: 'completed', cache: 'started' }),
    app('seed', { migrate: 'completed' }),
    app('migrate'),
    app('cache'),
    app('admin'),
  ]);

  it('orders dependencies before their dependents, otherwise as configured', () => {
    expect(graph.order).toEqual(['migrate', 'cache', 'web', 'worker', 'seed', 'admin']);
  });

  it('gives what a subset needs (`up worker`), in start order', () => {
    expect(graph.requires(['worker'])).toEqual(['migrate', 'cache', 'web', 'worker']);
    expect(graph.requires(['admin', 'seed'])).toEqual(['migrate', 'seed', 'admin']);
  });

  it('gives the dependents a stop takes down first', () => {
    expect(graph.dependents('migrate')).toEqual(['web', 'worker', 'seed']);
    expect(graph.dependents('web')).toEqual(['worker']);
    expect(graph.dependents('admin')).toEqual([]);
  });

  it('follows only "completed" edges for what a re-run task restarts', () => {
    expect(graph.withCompletedDependents(['migrate'])).toEqual(['migrate', 'web', 'seed']);
    expect(graph.withCompletedDependents(['cache'])).toEqual(['cache']);
  });
});
