import { afterEach, describe, expect, it, vi } from 'vitest';
import { BurstGate, Debouncer } from '../../src/util/debounce.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Debouncer', () => {
  it('collapses a burst into one call carrying each distinct item once', () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    const d = new Debouncer<string>((items) => calls.push(items), 100);
    for (let i = 0; i < 50; i++) {
      d.push(`f${i % 5}`);
      vi.advanceTimersByTime(20); // each event comes before the quiet period ends
    }
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([['f0', 'f1', 'f2', 'f3', 'f4']]);
  });

  it('waits for the configured quiet period after the last event', () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    const d = new Debouncer<string>((items) => calls.push(items), 300);
    d.push('a');
    vi.advanceTimersByTime(299);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([['a']]);
    d.push('b'); // a later burst is a new call
    vi.advanceTimersByTime(300);
    expect(calls).toEqual([['a'], ['b']]);
  });

  it('defaults to 100 ms; cancel() drops, flush() delivers now', () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    const d = new Debouncer<string>((items) => calls.push(items));
    expect(d.delayMs).toBe(100);
    d.push('x');
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([]);
    d.push('y');
    expect(d.pending).toBe(true);
    d.flush();
    expect(calls).toEqual([['y']]);
    expect(d.pending).toBe(false);
  });
});

describe('BurstGate', () => {
  it('calls at once on the first event, and once more at the end of the burst with the rest', () => {
    vi.useFakeTimers();
    const calls: [string[], boolean][] = [];
    const g = new BurstGate<string>((items, first) => calls.push([items, first]), 100);
    g.push('a');
    expect(calls).toEqual([[['a'], true]]);
    for (let i = 0; i < 20; i++) {
      g.push(`f${i % 3}`);
      vi.advanceTimersByTime(2.5);
    }
    expect(g.pending).toBe(true);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([
      [['a'], true],
      [['f0', 'f1', 'f2'], false],
    ]);
    expect(g.pending).toBe(false);
    g.push('b'); // after the quiet time: a new burst, at once again
    expect(calls.at(-1)).toEqual([['b'], true]);
  });

  it('a lone event is one call; cancel() forgets the rest of a burst', () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    const g = new BurstGate<string>((items) => calls.push(items), 50);
    g.push('x');
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([['x']]);
    g.push('y');
    g.push('z');
    g.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([['x'], ['y']]);
  });
});
