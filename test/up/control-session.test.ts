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
  const ask = (op: ControlOp, env?: Record<string, string>, names?: string[]) =>
    session.request({ op, ...(env ? { env } : {}), ...(names && { names }) });
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

describe('start, stop and restart of named processes', () => {
  const ask = (h: ReturnType<typeof harness>, op: ControlOp, names: string[]) => h.ask(op, undefined, names);

  it('restart with no name restarts every app in one wave, and answers once each is ready', async () => {
    const h = harness();
    expect(await ask(h, 'restart-processes', [])).toEqual([
      { name: 'migrate', ok: true, text: 'restarted, ready (pid 100)' },
      { name: 'web', ok: true, text: 'restarted, ready (pid 101)' },
      { name: 'worker', ok: true, text: 'restarted, ready (pid 102)' },
    ]);
    expect(h.target.calls).toEqual(['restart all']);
    expect(h.said).toEqual(['`devenv snapshot restore` (pid 4242) asked: restart every app']);
  });

  it('the action holds the run; the wait for readiness does not, so a reload can go on meanwhile', async () => {
    const h = harness();
    h.target.hold();
    const answer = ask(h, 'restart-processes', ['web']);
    await new Promise((r) => setTimeout(r, 5));
    expect(h.target.calls).toEqual(['restart web']);
    expect(h.exclusive.busy).toBe(false);
    h.target.release();
    expect(await answer).toEqual([{ name: 'web', ok: true, text: 'restarted, ready (pid 101)' }]);
  });

  it('a failure is said with its reason and last lines; a stuck dependency says what it waits for', async () => {
    const h = harness();
    h.target.outcomes = {
      web: { ok: false, text: 'exited 1; restarting', pid: null, lastLines: ['Error: FOO is not set'] },
      worker: { ok: false, text: 'waiting for web (exited 1; restarting)', pid: null, lastLines: [] },
    };
    expect(await ask(h, 'restart-processes', ['web', 'worker'])).toEqual([
      { name: 'web', ok: false, text: 'restarted but exited 1; restarting', lastLines: ['Error: FOO is not set'] },
      { name: 'worker', ok: false, text: 'not started: waiting for web (exited 1; restarting)' },
    ]);
  });

  it('stop stops what needs it first; start starts what it needs; a name given twice counts once', async () => {
    const h = harness();
    expect(await ask(h, 'stop-processes', ['web', 'web'])).toEqual([
      { name: 'worker', ok: true, text: 'stopped (it needs web)' },
      { name: 'web', ok: true, text: 'stopped' },
    ]);
    expect(await ask(h, 'stop-processes', ['worker'])).toEqual([{ name: 'worker', ok: true, text: 'was not running' }]);
    expect(await ask(h, 'start-processes', ['worker', 'migrate'])).toEqual([
      { name: 'web', ok: true, text: 'started (worker needs it), ready (pid 101)' },
      { name: 'worker', ok: true, text: 'started, ready (pid 102)' },
      { name: 'migrate', ok: true, text: 'already running, ready (pid 100)' },
    ]);
    expect(h.target.calls).toEqual(['stop web', 'stop worker', 'start worker', 'start migrate']);
    expect(h.exclusive.busy).toBe(false);
  });

  it('restart postgres restarts it with the apps stopped around it, and waits for the apps named', async () => {
    const h = harness();
    expect(await ask(h, 'restart-processes', ['postgres', 'web'])).toEqual([
      { name: 'postgres', ok: true, text: 'restarted (the apps stopped around it)' },
      { name: 'web', ok: true, text: 'restarted, ready (pid 101)' },
    ]);
    expect(h.target.calls).toEqual(['restart postgres', 'provision']);
  });

  it('unknown names, postgres for start or stop, no name for start: one line each, nothing done', async () => {
    const h = harness();
    await expect(ask(h, 'restart-processes', ['wbe', 'web'])).rejects.toThrow(
      new UserError('no process "wbe" (did you mean "web"?); the processes are: postgres, migrate, web, worker'),
    );
    await expect(ask(h, 'stop-processes', ['postgres'])).rejects.toThrow(/^postgres runs as long as devenv up does/);
    await expect(ask(h, 'start-processes', [])).rejects.toThrow(
      /^name the processes to start; the processes are: postgres, migrate, web, worker$/,
    );
    expect(h.target.calls).toEqual([]);
    expect(h.exclusive.busy).toBe(false);
  });

  it('refused while this session holds the apps, or while the run starts', async () => {
    const h = harness();
    await h.ask('stop-apps');
    await expect(ask(h, 'restart-processes', ['web'])).rejects.toThrow(/^this session has stopped the apps/);
    await expect(ask(harness('starting'), 'start-processes', ['web'])).rejects.toThrow(/still starting/);
  });
});
