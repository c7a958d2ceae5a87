// What one control client may do to a running `up`, with a fake supervisor: the order of holds,
// pauses and starts, what is refused, the run's lock held from the first change until everything
// runs again, and a client that goes away leaving nothing held.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { ControlOp } from '../../src/up/control-protocol.js';
import { ControlSession } from '../../src/up/control-session.js';
import { bringBackDatabase } from '../../src/up/database-recovery.js';
import type { UpPhase } from '../../src/up/state.js';
import { Mutex } from '../../src/util/mutex.js';
import { apps, FakeTarget, project } from './fakes.js';

function harness(phase: UpPhase = 'running') {
  const target = new FakeTarget();
  const said: string[] = [];
  const waits: number[] = [];
  const exclusive = new Mutex();
  let overrides: Record<string, string> = {};
  let changed = 0;
  const session = new ControlSession(
    {
      target,
      exclusive,
      phase: () => phase,
      say: (line) => said.push(line),
      setOverrides: (env) => (overrides = env),
      apps: () => apps(project()).map((a) => ({ ...a, env: { ...a.env, ...overrides } })),
      provision: async () => {
        target.calls.push('provision');
      },
      recoverDatabase: (start) =>
        bringBackDatabase({
          repair: async () => {
            target.calls.push('repair');
          },
          start,
          say: (line) => said.push(line),
          stopping: () => target.calls.filter((c) => c === 'resume postgres').length >= target.stopAfterResumes,
          sleep: async (ms) => {
            waits.push(ms);
          },
        }),
      changed: () => changed++,
    },
    { pid: 4242, purpose: 'snapshot restore' },
  );
  const ask = (op: ControlOp, env?: Record<string, string>) => session.request({ op, ...(env ? { env } : {}) });
  return { session, ask, target, said, waits, exclusive, changed: () => changed };
}

describe('a control session', () => {
  it('stop-apps holds them (and the run) until start-apps starts them again', async () => {
    const h = harness();
    await h.ask('stop-apps');
    expect(h.target.calls).toEqual(['hold control']);
    expect(h.exclusive.busy).toBe(true);
    await h.ask('stop-apps'); // already held: nothing more
    await h.ask('start-apps', { DATABASE_URL: 'postgresql://someone@/elsewhere' });
    expect(h.target.calls).toEqual(['hold control', 'release control web@shop']);
    expect(h.exclusive.busy).toBe(false);
    expect(h.target.holdReasons).toEqual(['`devenv snapshot restore` (pid 4242) asked: stopping the apps']);
    expect(h.said).toEqual(['`devenv snapshot restore` (pid 4242) asked: starting the apps again']);
    expect(h.changed()).toBe(3);
  });

  it('start-apps on running apps restarts them with the new environment, without holding the run', async () => {
    const h = harness();
    await h.ask('start-apps', { DB: 'elsewhere' });
    expect(h.target.calls).toEqual(['reconfigure web@elsewhere']);
    expect(h.exclusive.busy).toBe(false);
  });

  it('postgres stops only while the apps are held, and must start before them', async () => {
    const h = harness();
    await expect(h.ask('stop-postgres')).rejects.toThrow(new UserError('stop the apps before postgres'));
    await h.ask('stop-apps');
    await h.ask('stop-postgres');
    await expect(h.ask('start-apps')).rejects.toThrow(/^postgres is stopped: start it before the apps$/);
    await expect(h.ask('restart-postgres')).rejects.toThrow(/^postgres is stopped: start it instead$/);
    await h.ask('start-postgres');
    expect(h.exclusive.busy).toBe(true); // the apps are still held
    await h.ask('start-apps');
    expect(h.target.calls).toEqual([
      'hold control',
      'pause postgres',
      'resume postgres',
      'provision',
      'release control web@shop',
    ]);
    expect(h.exclusive.busy).toBe(false);
  });

  it('restart-postgres restarts it, provisions it, and lets go of the run; a failure is the answer', async () => {
    const h = harness();
    await h.ask('restart-postgres');
    expect(h.target.calls).toEqual(['restart postgres', 'provision']);
    expect(h.exclusive.busy).toBe(false);
    h.target.failRestarts = 1;
    await expect(h.ask('restart-postgres')).rejects.toThrow(
      /^postgres failed to start: invalid value for work_mem \(see `devenv logs postgres`\)$/,
    );
  });

  it('a client gone with postgres stopped: postgres is repaired and tried until it runs, then the apps', async () => {
    const h = harness();
    await h.ask('stop-apps');
    await h.ask('stop-postgres');
    h.target.failResumes = 2;
    await h.session.end();
    expect(h.target.calls).toEqual([
      'hold control',
      'pause postgres',
      ...['repair', 'resume postgres', 'repair', 'resume postgres', 'repair', 'resume postgres'],
      'provision',
      'release control web@shop',
    ]);
    expect(h.waits).toEqual([500, 1000]); // backoff between the tries
    const retry = (delay: string) =>
      'postgres failed to start: could not bind (see `devenv logs postgres`); ' +
      `the apps stay stopped, trying postgres again in ${delay}`;
    expect(h.said.slice(-4)).toEqual([
      '`devenv snapshot restore` (pid 4242) went away with postgres stopped: starting it again',
      retry('500 ms'),
      retry('1.0 s'),
      '`devenv snapshot restore` (pid 4242) went away with the apps stopped: starting them again',
    ]);
    expect(h.exclusive.busy).toBe(false);
  });

  it('a postgres that does not come back before `up` stops: the apps are never started', async () => {
    const h = harness();
    await h.ask('stop-apps');
    await h.ask('stop-postgres');
    h.target.failResumes = 100;
    h.target.stopAfterResumes = 3;
    await h.session.end();
    expect(h.target.calls.filter((c) => c === 'resume postgres')).toHaveLength(3);
    expect(h.target.calls.some((c) => c.startsWith('release'))).toBe(false);
    expect(h.exclusive.busy).toBe(false);
  });

  it('is refused while the run starts or stops', async () => {
    await expect(harness('starting').ask('stop-apps')).rejects.toThrow(/^devenv up is still starting; try again$/);
    await expect(harness('stopping').ask('stop-apps')).rejects.toThrow(/^devenv up is stopping; try again$/);
  });
});
