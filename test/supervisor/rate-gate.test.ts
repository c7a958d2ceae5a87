import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateGate } from '../../src/supervisor/rate-gate.js';

describe('RateGate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pauses a stream past its share of a 100 ms step and resumes it at the next step', () => {
    vi.useFakeTimers();
    let now = 0;
    const stream = new PassThrough();
    stream.resume(); // flowing, as a process pipe under LogOutput is
    const gate = new RateGate(stream, 10_000, () => now); // 1000 bytes per step
    gate.take(600);
    expect(stream.isPaused()).toBe(false);
    now = 40;
    gate.take(600); // 1200 bytes within the step
    expect(stream.isPaused()).toBe(true);
    now = 100;
    vi.advanceTimersByTime(60);
    expect(stream.isPaused()).toBe(false);
    gate.take(999); // a new step: a new share
    expect(stream.isPaused()).toBe(false);
  });
});
