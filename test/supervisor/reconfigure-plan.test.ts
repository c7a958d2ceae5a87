import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../src/app-definition.js';
import { planReconfigure, sameDefinition, watchKey } from '../../src/supervisor/reconfigure-plan.js';

const root = '/srv/proj';
const app = (name: string, extra: Partial<AppDefinition> = {}): AppDefinition => ({
  name,
  command: `run ${name}`,
  cwd: root,
  ...extra,
});

describe('planReconfigure', () => {
  it('sorts apps into removed, added, changed and unchanged, in the new order', () => {
    const plan = planReconfigure(
      root,
      [app('web', { env: { V: '1' } }), app('keep'), app('old')],
      [app('new'), app('keep'), app('web', { env: { V: '2' } })],
    );
    expect(plan.removed).toEqual(['old']);
    expect(plan.added.map((a) => a.name)).toEqual(['new']);
    expect(plan.changed.map((a) => a.name)).toEqual(['web']);
    expect(plan.next.map((a) => a.name)).toEqual(['new', 'keep', 'web']);
    expect(plan.rewatch).toBe(true);
  });

  it('an identical configuration changes nothing and keeps the watchers', () => {
    const apps = [app('web', { watch: ['src'] }), app('worker', { watch: [] })];
    const plan = planReconfigure(
      root,
      apps,
      apps.map((a) => ({ ...a })),
    );
    expect(plan).toMatchObject({ removed: [], added: [], changed: [], rewatch: false });
  });

  it('rebuilds the watchers only when watched paths or ignore patterns change', () => {
    const env = planReconfigure(
      root,
      [app('web', { watch: ['src'] })],
      [app('web', { watch: ['src'], env: { A: '1' } })],
    );
    expect(env).toMatchObject({ changed: [expect.objectContaining({ name: 'web' })], rewatch: false });
    const moved = planReconfigure(root, [app('web', { watch: ['src'] })], [app('web', { watch: ['lib'] })]);
    expect(moved.rewatch).toBe(true);
    const same = [app('web')];
    expect(planReconfigure(root, same, same, { current: ['tmp/'], next: undefined }).rewatch).toBe(false);
    expect(planReconfigure(root, same, same, { current: ['tmp/'], next: ['tmp/'] }).rewatch).toBe(false);
    expect(planReconfigure(root, same, same, { current: undefined, next: [] }).rewatch).toBe(false);
    expect(planReconfigure(root, same, same, { current: ['tmp/'], next: ['log/'] }).rewatch).toBe(true);
  });
});

describe('sameDefinition', () => {
  it('applies defaults and compares environments by content, not key order', () => {
    expect(sameDefinition(app('web'), app('web', { restart: 'on-failure' }))).toBe(true);
    expect(sameDefinition(app('web', { env: { A: '1', B: '2' } }), app('web', { env: { B: '2', A: '1' } }))).toBe(true);
    expect(sameDefinition(app('web', { cwd: `${root}/./` }), app('web'))).toBe(true);
  });

  it('sees every field that changes how the app runs', () => {
    const base = app('web', { env: { A: '1' }, watch: ['src'], restart: 'always', stopGraceMs: 100 });
    const edits: Partial<AppDefinition>[] = [
      { command: 'other' },
      { cwd: '/elsewhere' },
      { env: { A: '2' } },
      { env: { A: '1', B: '1' } },
      { watch: ['lib'] },
      { restart: 'never' },
      { stopGraceMs: 200 },
      { dependsOn: { db: 'ready' } },
      { ready: { kind: 'tcp', port: 1 } },
    ];
    for (const edit of edits) expect(sameDefinition(base, { ...base, ...edit }), JSON.stringify(edit)).toBe(false);
  });
});

describe('watchKey', () => {
  it('is the sorted absolute paths, the root by default', () => {
    expect(watchKey(root, app('web'))).toEqual([root]);
    expect(watchKey(root, app('web', { watch: ['src', '/abs', 'lib/../api'] }))).toEqual([
      '/abs',
      `${root}/api`,
      `${root}/src`,
    ]);
  });
});
