// `devenv logs` reads the end of each log (across its rotated files), dates every line, merges the logs
// by time and prints them with the names and colours of `devenv up`.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeByTime, selectLines } from '../../src/supervisor/log-merge.js';
import { LogOutput } from '../../src/supervisor/log-output.js';
import { type LogEntry, type LogSource, readLogEnd } from '../../src/supervisor/log-read.js';
import { formatStamp, runStartLine } from '../../src/supervisor/log-stamp.js';
import { LogView } from '../../src/supervisor/log-view.js';
import { Capture, tempDir } from './helpers.js';

const T = Date.UTC(2026, 11, 3, 10, 4, 14, 0);
const ours = (ms: number, text: string) => `${formatStamp(ms)} ${text}\n`;
const pg = (ms: number, text: string) =>
  `${formatStamp(ms).replace('T', ' ').replace('Z', ' UTC')} [7] LOG:  ${text}\n`;
const want = { lines: 1000, since: null, budget: 1 << 20 };
const texts = (es: LogEntry[]) => es.map((e) => e.text);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function logDir(): string {
  const { dir, cleanup } = tempDir('devenv-logread-');
  cleanups.push(cleanup);
  return dir;
}
function source(dir: string, index: number, name: string, writer: LogSource['writer'] = 'devenv'): LogSource {
  return { index, name, file: join(dir, `${name}.log`), writer };
}

describe('readLogEnd', () => {
  it('dates untimed lines: an older devenv wrote them (older than all), or they continue a postgres message', () => {
    const dir = logDir();
    writeFileSync(join(dir, 'web.log'), `old one\nold two\n${ours(T + 10, 'new')}`);
    writeFileSync(join(dir, 'postgres.log'), `\tcut message tail\n${pg(T + 5, 'statement:')}\tselect 1\n`);
    const web = readLogEnd(source(dir, 0, 'web'), want);
    expect(web.complete).toBe(true);
    expect(web.entries.map((e) => [e.text, e.time, e.dated])).toEqual([
      ['old one', Number.NEGATIVE_INFINITY, 'before'],
      ['old two', Number.NEGATIVE_INFINITY, 'before'],
      ['new', T + 10, 'own'],
    ]);
    const server = readLogEnd(source(dir, 1, 'postgres', 'postgres'), want);
    expect(server.entries.map((e) => [e.time, e.dated])).toEqual([
      [T + 5, 'continued'],
      [T + 5, 'own'],
      [T + 5, 'continued'],
    ]);
    // Merged: the undated old lines first, then by time; --since leaves them out.
    const both = [web, server];
    expect(texts(selectLines(both, { since: null, lines: 100 }))).toEqual([
      'old one',
      'old two',
      '\tcut message tail',
      expect.stringContaining('statement:'),
      '\tselect 1',
      'new',
    ]);
    expect(texts(selectLines(both, { since: T + 6, lines: 100 }))).toEqual(['new']);
  });

  it('goes on into the rotated files for lines the log itself does not have, oldest first', () => {
    const dir = logDir();
    const file = join(dir, 'web.log');
    writeFileSync(`${file}.2`, ours(T, 'r2'));
    writeFileSync(`${file}.1`, ours(T + 1, 'r1-a') + ours(T + 2, 'r1-b'));
    writeFileSync(file, ours(T + 3, 'now-a') + ours(T + 4, 'now-b'));
    // Enough lines in the log and .1 (the caller shows the last 3): .2 is not read.
    expect(texts(readLogEnd(source(dir, 0, 'web'), { ...want, lines: 3 }).entries)).toEqual([
      'r1-a',
      'r1-b',
      'now-a',
      'now-b',
    ]);
    expect(texts(readLogEnd(source(dir, 0, 'web'), want).entries)).toEqual(['r2', 'r1-a', 'r1-b', 'now-a', 'now-b']);
    // --since: the log's own lines begin before it, so no rotated file is needed.
    expect(texts(readLogEnd(source(dir, 0, 'web'), { ...want, since: T + 4 }).entries)).toEqual(['now-a', 'now-b']);
    // A follower begins at `upTo`: what is after it is the follower's to print.
    appendFileSync(file, ours(T + 5, 'later'));
    const upTo = Buffer.byteLength(ours(T + 3, 'now-a') + ours(T + 4, 'now-b'));
    expect(texts(readLogEnd(source(dir, 0, 'web'), { ...want, lines: 1, upTo }).entries)).toEqual(['now-a', 'now-b']);
  });

  it('reads at most `budget` bytes; the logs merged with one read in part start where its lines start', () => {
    const dir = logDir();
    let big = '';
    for (let i = 0; i < 100; i++) big += ours(T + 100 + i, `big ${i}`);
    writeFileSync(join(dir, 'big.log'), big);
    writeFileSync(join(dir, 'small.log'), ours(T, 'small early') + ours(T + 150, 'small middle'));
    const budget = ours(T, 'big 00').length * 10; // about the last 10 lines, the first of them cut
    const readBig = readLogEnd(source(dir, 0, 'big'), { ...want, budget });
    expect(readBig.complete).toBe(false);
    expect(readBig.entries.length).toBeLessThan(11);
    expect(readBig.entries.at(-1)!.text).toBe('big 99');
    const readSmall = readLogEnd(source(dir, 1, 'small'), { ...want, budget });
    // `small middle` is older than every big line read: lines of big between it and them were not read.
    expect(texts(selectLines([readBig, readSmall], { since: null, lines: 1000 }))).toEqual(texts(readBig.entries));
  });

  it('reads a little of the end of a large log when that has the lines asked for', () => {
    const dir = logDir();
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(ours(T + i, `line ${i}`)); // ~1.7 MB
    writeFileSync(join(dir, 'big.log'), lines.join(''));
    const few = readLogEnd(source(dir, 0, 'big'), { ...want, lines: 5, budget: 4 << 20 });
    expect(few.complete).toBe(true); // it has enough lines: none older are missing from what is shown
    expect(few.entries.length).toBeLessThan(2000); // 64 KiB of it, not the 4 MiB it may read
    expect(texts(few.entries.slice(-2))).toEqual(['line 49998', 'line 49999']);
    const many = readLogEnd(source(dir, 0, 'big'), { ...want, lines: 10_000, budget: 4 << 20 });
    expect(many.entries.length).toBeGreaterThanOrEqual(10_000);
    expect(many.entries.at(-1)!.text).toBe('line 49999');
  });
});

describe('mergeByTime and selectLines', () => {
  const e = (source: number, time: number, text: string): LogEntry => ({ source, time, dated: 'own', text });

  it('orders by time; equal times in log order; each log keeps its own order where its clock went back', () => {
    const a = [e(0, 10, 'a1'), e(0, 30, 'a2'), e(0, 20, 'a3-clock-back')];
    const b = [e(1, 10, 'b1'), e(1, 25, 'b2')];
    expect(texts(mergeByTime([a, b]))).toEqual(['a1', 'b1', 'b2', 'a2', 'a3-clock-back']);
    expect(texts(mergeByTime([b, a]))).toEqual(['b1', 'a1', 'b2', 'a2', 'a3-clock-back']);
  });

  it('-n takes the last lines of the merged stream, not of each log', () => {
    const reads = [
      { entries: [e(0, 1, 'a1'), e(0, 4, 'a2')], complete: true },
      { entries: [e(1, 2, 'b1'), e(1, 3, 'b2'), e(1, 5, 'b3')], complete: true },
    ];
    expect(texts(selectLines(reads, { since: null, lines: 3 }))).toEqual(['b2', 'a2', 'b3']);
    expect(texts(selectLines(reads, { since: 3, lines: 2 }))).toEqual(['a2', 'b3']);
    expect(selectLines(reads, { since: null, lines: 0 })).toEqual([]);
  });
});

describe('LogView', () => {
  const names = ['devenv', 'postgres', 'web'];
  const e = (source: number, text: string, dated: LogEntry['dated'] = 'own'): LogEntry => ({
    source,
    time: T + 123,
    dated,
    text,
  });

  it('merged: the prefixes of `devenv up`, -t after them, and a separator where a run starts', () => {
    const plain = new LogView({ names, merged: true, timestamps: false, color: false, devenvSource: 0 });
    expect(plain.render(e(2, 'listening'))).toBe('web      | listening');
    expect(plain.render(e(0, runStartLine(4242)))).toBe('── devenv up started 2026-12-03 10:04:14 UTC (pid 4242) ──');
    // The same text from an app is just a line.
    expect(plain.render(e(2, runStartLine(1)))).toBe(`web      | ${runStartLine(1)}`);
    const timed = new LogView({ names, merged: true, timestamps: true, color: false, devenvSource: 0 });
    expect(timed.render(e(1, 'LOG: x'))).toBe('postgres | 2026-12-03T10:04:14.123Z LOG: x');
    expect(timed.render(e(2, 'no time of its own', 'before'))).toBe(`web      | ${' '.repeat(24)} no time of its own`);
  });

  it('colours each name as `devenv up` does, and only when asked', () => {
    const up = new Capture();
    const output = new LogOutput({ out: up, color: true, names });
    const view = new LogView({ names, merged: true, timestamps: false, color: true, devenvSource: 0 });
    for (const [i, name] of names.entries()) {
      output.line(name, 'x');
      expect(view.render(e(i, 'x'))).toBe(up.lines[i]);
    }
    expect(new Set(up.lines).size).toBe(3);
    expect(
      new LogView({ names, merged: true, timestamps: false, color: false, devenvSource: 0 }).render(e(2, 'x')),
    ).not.toContain('\u001b[');
  });

  it('alone: the lines as the process wrote them, with -t after their time', () => {
    expect(
      new LogView({ names: ['web'], merged: false, timestamps: false, color: true, devenvSource: null }).render(
        e(0, 'hi'),
      ),
    ).toBe('hi');
    expect(
      new LogView({ names: ['web'], merged: false, timestamps: true, color: true, devenvSource: null }).render(
        e(0, 'hi'),
      ),
    ).toBe('2026-12-03T10:04:14.123Z hi');
  });
});
