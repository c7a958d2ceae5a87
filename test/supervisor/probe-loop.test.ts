// The probe schedule, on fake timers: fast first, growing to the interval, a timeout said once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProbeLoop } from '../../src/supervisor/probe-loop.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A probe that fails until `passAt` (ms since the start), recording when it was tried. */
function fakeProbe(passAt = Number.POSITIVE_INFINITY) {
  const t0 = Date.now();
  const tries: number[] = [];
  const attempt = async () => {
    const at = Date.now() - t0;
    tries.push(at);
    if (at < passAt) throw new Error(`not yet at ${at}`);
  };
  return { tries, attempt };
}

function recorder() {
  const events: string[] = [];
  const t0 = Date.now();
  return {
    events,
    handlers: {
      ready: () => events.push(`ready@${Date.now() - t0}`),
      failing: () => {},
      timedOut: (e: string) => events.push(`timeout@${Date.now() - t0}: ${e}`),
    },
  };
}

describe('ProbeLoop', () => {
  it('tries at once, then 10 ms later, each wait twice the last, up to the interval', async () => {
    const probe = fakeProbe();
    const r = recorder();
    const loop = new ProbeLoop(probe.attempt, { intervalMs: 250, timeoutMs: 60_000 }, r.handlers, Date.now);
    loop.start();
    await vi.advanceTimersByTimeAsync(1100);
    loop.cancel();
    expect(probe.tries).toEqual([0, 10, 30, 70, 150, 310, 560, 810, 1060]);
    expect(r.events).toEqual([]);
  });

  it('a cheap probe stays at most 20 ms apart for its fast period, then grows to the interval', async () => {
    const probe = fakeProbe();
    const r = recorder();
    const timing = { intervalMs: 250, timeoutMs: 60_000, fastForMs: 100 };
    const loop = new ProbeLoop(probe.attempt, timing, r.handlers, Date.now);
    loop.start();
    await vi.advanceTimersByTimeAsync(600);
    loop.cancel();
    expect(probe.tries).toEqual([0, 10, 30, 50, 70, 90, 110, 130, 170, 250, 410]);
  });

  it('stops at the first pass and says ready once', async () => {
    const probe = fakeProbe(60);
    const r = recorder();
    new ProbeLoop(probe.attempt, {}, r.handlers, Date.now).start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe.tries).toEqual([0, 10, 30, 70]);
    expect(r.events).toEqual(['ready@70']);
  });

  it('says the timeout once, with the last error, and goes on probing at the interval', async () => {
    const probe = fakeProbe(2600);
    const r = recorder();
    new ProbeLoop(probe.attempt, { intervalMs: 1000, timeoutMs: 1500 }, r.handlers, Date.now).start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(r.events).toEqual(['timeout@1500: not yet at 1270', 'ready@3270']);
    expect(probe.tries).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2270, 3270]);
  });

  it('wake() tries at once instead of at the next tick (a log line came)', async () => {
    let pass = false;
    const tries: number[] = [];
    const t0 = Date.now();
    const r = recorder();
    const loop = new ProbeLoop(
      async () => {
        tries.push(Date.now() - t0);
        if (!pass) throw new Error('no line yet');
      },
      { intervalMs: 1000 },
      r.handlers,
      Date.now,
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(700); // next try would be at 1270
    pass = true;
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.events).toEqual(['ready@700']);
    expect(tries.at(-1)).toBe(700);
  });

  it('an attempt that hangs is given up on, and the timeout comes on time', async () => {
    const r = recorder();
    const signals: AbortSignal[] = [];
    const loop = new ProbeLoop(
      (signal) => {
        signals.push(signal);
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { intervalMs: 100, timeoutMs: 500 },
      r.handlers,
      Date.now,
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(600);
    expect(r.events).toEqual(['timeout@500: no attempt has finished']);
    await vi.advanceTimersByTimeAsync(1500);
    expect(signals[0]!.aborted).toBe(true); // given up on after the attempt limit (2 s)
    expect(signals.length).toBe(2);
    loop.cancel();
    expect(signals[1]!.aborted).toBe(true);
  });

  it('cancel() ends it: no more attempts, no events', async () => {
    const probe = fakeProbe();
    const r = recorder();
    const loop = new ProbeLoop(probe.attempt, { timeoutMs: 100 }, r.handlers, Date.now);
    loop.start();
    await vi.advanceTimersByTimeAsync(35);
    loop.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe.tries).toEqual([0, 10, 30]);
    expect(r.events).toEqual([]);
  });
});
