// The times devenv writes before its log lines, and postgres' own, read back.
import { describe, expect, it } from 'vitest';
import {
  formatStamp,
  postgresTime,
  runStartLine,
  runStartPid,
  splitStamp,
  stampPrefix,
} from '../../src/supervisor/log-stamp.js';
import { parseSince } from '../../src/util/since.js';

const T = Date.UTC(2026, 11, 3, 10, 4, 14, 123);

describe('log line times', () => {
  it('devenv writes RFC 3339 UTC with milliseconds and a space, and reads it back', () => {
    expect(stampPrefix(T)).toBe('2026-12-03T10:04:14.123Z ');
    expect(splitStamp(`${formatStamp(T)} hello  world `)).toEqual({ time: T, text: 'hello  world ' });
    expect(splitStamp(`${formatStamp(T)} `)).toEqual({ time: T, text: '' });
    // Lines an older devenv wrote, or that only look like ours, have no time.
    for (const line of ['hello', '', '2026-12-03T10:04:14Z hi', '2026-12-03 10:04:14.123 UTC [1] LOG: x']) {
      expect(splitStamp(line)).toEqual({ time: null, text: line });
    }
  });

  it("reads postgres' %m and %t in UTC, numeric offsets, and other zone names as local time", () => {
    expect(postgresTime('2026-12-03 10:04:14.123 UTC [42] LOG:  ready')).toBe(T);
    expect(postgresTime('2026-12-03 10:04:14 GMT [42] LOG:  ready')).toBe(T - 123);
    expect(postgresTime('2026-12-03 12:04:14.123 +02 [42] LOG:  x')).toBe(T);
    expect(postgresTime('2026-12-03 06:34:14.123 -0330 [42] LOG:  x')).toBe(T);
    expect(postgresTime('2026-12-03 10:04:14.123 CET [42] LOG:  x')).toBe(
      new Date(2026, 11, 3, 10, 4, 14, 123).getTime(),
    );
    expect(postgresTime('\tcontinued statement text')).toBeNull();
    expect(postgresTime('LOG:  a prefix without a time')).toBeNull();
  });

  it("marks a run's start in devenv.log", () => {
    expect(runStartPid(runStartLine(1234))).toBe(1234);
    expect(runStartPid('web: devenv up started (pid 1)')).toBeNull();
  });
});

describe('--since', () => {
  const now = T;
  it('takes an age or an RFC 3339 time', () => {
    expect(parseSince('30s', now)).toBe(now - 30_000);
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('1h', now)).toBe(now - 3_600_000);
    expect(parseSince('2d', now)).toBe(now - 172_800_000);
    expect(parseSince('2026-12-03T10:04:14.123Z', now)).toBe(T);
    expect(parseSince('2026-12-03T11:04:14.123+01:00', now)).toBe(T);
    expect(parseSince('2026-12-03 10:04', now)).toBe(new Date(2026, 11, 3, 10, 4).getTime());
    expect(parseSince('2026-12-03', now)).toBe(new Date(2026, 11, 3).getTime());
  });

  it('names no time for anything else', () => {
    for (const bad of ['', '10', 'm', '10 minutes', '-5m', '1.5h', '2026-13-45T99:00Z', 'yesterday']) {
      expect(parseSince(bad, now), bad).toBeNull();
    }
  });
});
