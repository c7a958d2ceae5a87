// One rule each for sizes, times and tables in what devenv prints (branch list, snapshot list, status, logs).
import { describe, expect, it } from 'vitest';
import { formatBytes, formatLocalTime, formatTable, telltaleLines } from '../../src/util/text.js';

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

  it("a failure's lines: the last few, led by the error a stack trace pushed out of them", () => {
    const trace = [
      'node:events:502',
      'Error: listen EADDRINUSE: address already in use 127.0.0.1:3000',
      '    at x',
      '',
      "Emitted 'error' event on Server instance at:",
      '  port: 3000',
      '}',
      '',
      'Node.js v20',
    ];
    expect(telltaleLines(trace, 3)).toEqual([
      'Error: listen EADDRINUSE: address already in use 127.0.0.1:3000',
      '…',
      '}',
      'Node.js v20',
    ]);
    expect(telltaleLines(['starting', 'ERROR: relation "x" does not exist'], 3)).toEqual([
      'starting',
      'ERROR: relation "x" does not exist',
    ]);
    expect(telltaleLines(['', ' '], 3)).toEqual([]);
  });
});
