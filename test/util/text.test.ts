// One rule each for sizes, times and tables in what devenv prints (branch list, snapshot list, status, logs).
import { describe, expect, it } from 'vitest';
import { formatBytes, formatLocalTime, formatTable } from '../../src/util/text.js';

describe('formatting', () => {
  it('sizes: KiB under a MiB, MiB with one decimal under a GiB, then GiB with two', () => {
    expect(formatBytes(0)).toBe('0 KiB');
    expect(formatBytes(1536)).toBe('2 KiB');
    expect(formatBytes(64 * 2 ** 20)).toBe('64.0 MiB');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.50 GiB');
  });

  it('times: the local time to the second', () => {
    const d = new Date(2025, 2, 7, 14, 5, 9);
    expect(formatLocalTime(d.toISOString())).toBe('2025-03-07 14:05:09');
  });

  it('tables: columns two spaces apart, as wide as their widest cell, nothing trailing', () => {
    expect(
      formatTable([
        ['', 'NAME', 'SIZE'],
        ['*', 'a', '1 KiB'],
        ['', 'longer', ''],
      ]),
    ).toBe('   NAME    SIZE\n*  a       1 KiB\n   longer\n');
    expect(formatTable([])).toBe('');
  });
});
