import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/supervisor/backoff.js';

describe('Backoff', () => {
  it('starts at 500 ms, doubles, and caps at 30 s', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 9 }, () => b.next(0));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.attempt).toBe(9);
  });

  it('resets after a healthy run, and only then', () => {
    const b = new Backoff({ initialMs: 10, healthyAfterMs: 1000 });
    expect([b.next(5), b.next(999), b.next(0)]).toEqual([10, 20, 40]);
    expect(b.next(1000)).toBe(10); // lived long enough: the crash history is forgotten
    expect(b.next(0)).toBe(20);
  });

  it('reset() forgets past crashes', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 250 });
    expect([b.next(0), b.next(0), b.next(0)]).toEqual([100, 200, 250]);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next(0)).toBe(100);
  });
});
