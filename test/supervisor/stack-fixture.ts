// The stack the stack-order tests run on fake instances (fake-process.ts): migrate (a task) → web → worker,
// cache beside them; each test file shuts down the supervisors it made after each test.
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import { type FakeWorld, fakeStack, readiness, type StackApp } from './fake-process.js';
import { waitFor } from './helpers.js';

export const sups: Supervisor[] = [];

/** Shut down every supervisor made since the last call (each test file's afterEach). */
export async function shutdownStacks(): Promise<void> {
  for (const s of sups.splice(0)) await s.shutdown();
}

/** migrate (a task) → web → worker, and cache beside them. */
export const STACK: StackApp[] = [
  { name: 'worker', dependsOn: { web: 'ready' } },
  { name: 'web', dependsOn: { migrate: 'completed', cache: 'started' } },
  { name: 'migrate', restart: 'never' },
  { name: 'cache' },
];

export function stack(apps = STACK) {
  const s = fakeStack(apps);
  sups.push(s.sup);
  return s;
}

/** Everything up: migrate completed, web and worker ready. */
export async function allUp(world: FakeWorld, sup: Supervisor): Promise<void> {
  world.behaviour.set('migrate', (p) => p.exit(0));
  await sup.startApps();
  await waitFor(() => readiness(sup, 'worker') === 'ready', 'worker ready');
}
