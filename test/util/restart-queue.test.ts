import { describe, expect, it } from 'vitest';
import { RestartQueue } from '../../src/util/restart-queue.js';

/** A restart whose end the test controls, recording how many overlap. */
function controlledRestarts() {
  const state = { runs: 0, active: 0, maxActive: 0, release: [] as (() => void)[] };
  const run = () => {
    state.runs++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    return new Promise<void>((resolve) =>
      state.release.push(() => {
        state.active--;
        resolve();
      }),
    );
  };
  const finishCurrent = async () => {
    state.release.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { state, run, finishCurrent };
}

describe('RestartQueue', () => {
  it('runs one restart at a time and folds requests during a restart into one more', async () => {
    const { state, run, finishCurrent } = controlledRestarts();
    const q = new RestartQueue(run);
    const first = q.request();
    const during = Array.from({ length: 10 }, () => q.request());
    expect(state.runs).toBe(1);
    expect(q.pending).toBe(true);
    expect(new Set(during).size).toBe(1); // all share the one queued restart
    await finishCurrent();
    await first;
    expect(state.runs).toBe(2);
    expect(q.pending).toBe(false);
    q.request(); // arrives during the second run: one more again
    await finishCurrent();
    await finishCurrent();
    await Promise.all(during);
    await q.idle();
    expect(state.runs).toBe(3);
    expect(state.maxActive).toBe(1);
  });

  it('a request right when a run ends does not start a second concurrent run', async () => {
    const { state, run, finishCurrent } = controlledRestarts();
    const q = new RestartQueue(run);
    void q.request();
    void q.request(); // queued
    state.release.shift()!(); // first run ends; the queued one starts a few microtasks later
    for (let i = 0; i < 10; i++) {
      await Promise.resolve();
      void q.request(); // one of these lands between the two
    }
    await new Promise((r) => setImmediate(r));
    expect(state.maxActive).toBe(1);
    while (state.release.length > 0) await finishCurrent();
    await q.idle();
    expect(state.maxActive).toBe(1);
    expect(state.runs).toBe(3); // first, queued, and one more for the requests during the queued run
  });

  it('reports a failed restart and keeps working', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const q = new RestartQueue(
      async () => {
        if (++n === 1) throw new Error('boom');
      },
      (e) => errors.push(e),
    );
    await q.request();
    await q.request();
    expect(n).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('close() drops a queued restart', async () => {
    const { state, run, finishCurrent } = controlledRestarts();
    const q = new RestartQueue(run);
    void q.request();
    void q.request();
    q.close();
    await finishCurrent();
    await q.idle();
    expect(state.runs).toBe(1);
    await q.request();
    expect(state.runs).toBe(1);
  });
});
