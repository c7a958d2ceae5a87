// `devenv logs -f` follows several logs at once: the new lines of all of them, in time order, each
// log across its rotations, and a log that appears later from its first line.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MergedFollow } from '../../src/supervisor/log-follow.js';
import type { LogEntry, LogSource } from '../../src/supervisor/log-read.js';
import { formatStamp } from '../../src/supervisor/log-stamp.js';
import { tempDir, waitFor } from './helpers.js';

const T = Date.UTC(2026, 11, 3, 10, 4, 14, 0);
const ours = (ms: number, text: string) => `${formatStamp(ms)} ${text}\n`;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

function setup() {
  const { dir, cleanup } = tempDir('devenv-follow-');
  const got: LogEntry[] = [];
  const follow = new MergedFollow((e) => got.push(e));
  stops.push(() => {
    follow.stop();
    cleanup();
  });
  const source = (index: number, name: string, writer: LogSource['writer'] = 'devenv'): LogSource => ({
    index,
    name,
    file: join(dir, `${name}.log`),
    writer,
  });
  return { dir, got, follow, source, texts: () => got.map((e) => e.text) };
}

describe('MergedFollow', () => {
  it('prints the new lines of several logs in time order, from where each log ended', async () => {
    const { dir, got, follow, source, texts } = setup();
    writeFileSync(join(dir, 'a.log'), ours(T, 'a old'));
    writeFileSync(join(dir, 'b.log'), ours(T, 'b old'));
    const starts = [follow.add(source(0, 'a')), follow.add(source(1, 'b'))];
    expect(starts).toEqual([ours(T, 'a old').length, ours(T, 'b old').length]);
    follow.start();
    // Written b first, but a's lines are older: between two reads they come out by time.
    appendFileSync(join(dir, 'b.log'), ours(T + 20, 'b 1') + ours(T + 40, 'b 2'));
    appendFileSync(join(dir, 'a.log'), ours(T + 10, 'a 1') + ours(T + 30, 'a 2'));
    await waitFor(() => got.length === 4, 'four lines', { detail: () => texts().join(' | ') });
    expect(texts()).toEqual(['a 1', 'b 1', 'a 2', 'b 2']);
    expect(got.map((e) => e.source)).toEqual([0, 1, 0, 1]);
  });

  it('follows a log across its rotation and a log that appears later from its start', async () => {
    const { dir, follow, source, texts } = setup();
    const a = join(dir, 'a.log');
    writeFileSync(a, '');
    follow.add(source(0, 'a'));
    follow.start();
    appendFileSync(a, ours(T + 1, 'before rotation'));
    await waitFor(() => texts().length === 1, 'first line');
    appendFileSync(a, ours(T + 2, 'last of the old file'));
    renameSync(a, `${a}.1`);
    writeFileSync(a, ours(T + 3, 'first of the new file'));
    writeFileSync(join(dir, 'late.log'), ours(T + 4, 'late first') + ours(T + 5, 'late second'));
    expect(follow.has('late')).toBe(false);
    follow.add(source(1, 'late'), true);
    expect(follow.has('late')).toBe(true);
    await waitFor(() => texts().length === 5, 'all lines', { detail: () => texts().join(' | ') });
    expect(texts()).toEqual([
      'before rotation',
      'last of the old file',
      'first of the new file',
      'late first',
      'late second',
    ]);
  });

  it("gives postgres' continuation lines the time of their message", async () => {
    const { dir, got, follow, source } = setup();
    const file = join(dir, 'postgres.log');
    writeFileSync(file, '');
    follow.add(source(0, 'postgres', 'postgres'));
    follow.start();
    appendFileSync(file, '2026-12-03 10:04:14.500 UTC [7] LOG:  statement: select\n\t1\n');
    await waitFor(() => got.length === 2, 'two lines');
    expect(got.map((e) => [e.time, e.dated])).toEqual([
      [T + 500, 'own'],
      [T + 500, 'continued'],
    ]);
  });
});
