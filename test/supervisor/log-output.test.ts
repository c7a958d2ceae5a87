import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogOutput } from '../../src/supervisor/log-output.js';
import { ManagedProcess } from '../../src/supervisor/managed-process.js';
import { assertGroupGone, Capture, logFilesIn, tempDir } from './helpers.js';

const ESC = '\u001b[';
/** Every line of a log file begins with its time; a fixed clock makes the files exact. */
const T = Date.UTC(2026, 11, 3, 10, 4, 14, 123);
const S = '2026-12-03T10:04:14.123Z ';
const clock = () => T;

describe('LogOutput', () => {
  it('prefixes each line with the name padded to the longest name, without colour when off', () => {
    const out = new Capture();
    const log = new LogOutput({ out, color: false, names: ['devenv', 'postgres', 'web'] });
    log.line('web', 'listening');
    log.line('postgres', 'ready');
    log.line('devenv', 'hi');
    expect(out.lines).toEqual(['web      | listening', 'postgres | ready', 'devenv   | hi']);
    expect(out.text).not.toContain(ESC);
  });

  it('colours prefixes differently per process when on', () => {
    const out = new Capture();
    const log = new LogOutput({ out, color: true, names: ['a', 'b'] });
    log.line('a', 'one');
    log.line('b', 'two');
    const [a, b] = out.lines;
    expect(a).toContain(ESC);
    expect(a!.endsWith('one')).toBe(true); // the text itself is left as the process wrote it
    expect(a!.slice(0, a!.indexOf('m') + 1)).not.toBe(b!.slice(0, b!.indexOf('m') + 1));
  });

  it('rejects names that would escape the log directory', () => {
    const log = new LogOutput({ out: new Capture(), color: false });
    expect(() => log.register('../x')).toThrow(/invalid process name/);
  });

  it("shows a real process's output line by line, flushes its last partial line, and writes <name>.log", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = new Capture();
      const log = new LogOutput({
        out,
        color: false,
        logFile: logFilesIn(join(dir, 'logs')),
        names: ['devenv'],
        clock,
      });
      const p = new ManagedProcess({
        name: 'app',
        command: "printf 'one\\ntw'; sleep 0.05; printf 'o\\n'; printf 'err\\n' >&2; printf 'partial'",
        cwd: dir,
      });
      await p.start();
      log.attach('app', p.stdout!);
      log.attach('app', p.stderr!);
      await p.exited;
      log.flush('app');
      await log.close();
      // stdout and stderr are separate pipes: their relative order is not defined, each one's is.
      const shown = out.lines.filter((l) => l.startsWith('app'));
      expect(shown.filter((l) => l !== 'app    | err')).toEqual(['app    | one', 'app    | two', 'app    | partial']);
      expect(shown).toContain('app    | err');
      const file = readFileSync(join(dir, 'logs', 'app.log'), 'utf8');
      expect(file.split('\n').sort()).toEqual(['', `${S}err`, `${S}one`, `${S}partial`, `${S}two`]);
      assertGroupGone(p.pid!);
    } finally {
      cleanup();
    }
  });

  it('show() prints a line without writing it to the log file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = new Capture();
      const log = new LogOutput({ out, color: false, logFile: logFilesIn(dir), clock });
      log.show('postgres', 'from its own log');
      log.line('postgres', 'ours');
      await log.close();
      expect(out.lines).toEqual(['postgres | from its own log', 'postgres | ours']);
      expect(readFileSync(join(dir, 'postgres.log'), 'utf8')).toBe(`${S}ours\n`);
    } finally {
      cleanup();
    }
  });

  it('appends to an existing log file across runs', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const [word, ms] of [
        ['first', T],
        ['second', T + 1000],
      ] as const) {
        const log = new LogOutput({ out: new Capture(), color: false, logFile: logFilesIn(dir), clock: () => ms });
        log.line('web', word);
        await log.close();
      }
      expect(readFileSync(join(dir, 'web.log'), 'utf8')).toBe(`${S}first\n2026-12-03T10:04:15.123Z second\n`);
    } finally {
      cleanup();
    }
  });
});

describe('LogOutput without a terminal (the background up)', () => {
  it('gates a stream by what goes into its log, times included: a flood of short lines waits sooner', () => {
    const paused = (line: string) => {
      const log = new LogOutput({ out: null, maxBytesPerSecond: 10_000, clock }); // 1000 bytes per 100 ms step
      const stream = new PassThrough();
      log.attach('app', stream);
      stream.write(line.repeat(200 / line.length)); // 200 bytes read either way
      return stream.isPaused();
    };
    expect(paused(`${'x'.repeat(199)}\n`)).toBe(false); // one line: 225 bytes of log
    expect(paused('y\n')).toBe(true); // 100 lines: 2700 bytes of log
  });

  it('writes the bytes as they came, whole lines only, and a partial last line at the end', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let now = T;
      const log = new LogOutput({ out: null, logFile: logFilesIn(dir), clock: () => now });
      const out = new PassThrough();
      const err = new PassThrough();
      log.attach('app', out);
      log.attach('app', err);
      // Attached (its process started): the log is there before the first byte.
      expect(readFileSync(join(dir, 'app.log'), 'utf8')).toBe('');
      out.write('one\ntw');
      now += 1;
      err.write('err\n');
      now += 1;
      out.write('o\r\nthree');
      now += 1;
      log.flush('app');
      await log.close();
      // Each line after the time it was written at (a held partial one: when it was completed).
      expect(readFileSync(join(dir, 'app.log'), 'utf8')).toBe(
        `${S}one\n2026-12-03T10:04:14.124Z err\n2026-12-03T10:04:14.125Z two\r\n2026-12-03T10:04:14.126Z three\n`,
      );
    } finally {
      cleanup();
    }
  });
});
