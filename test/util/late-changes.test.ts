// A save in steps (truncate, then write) within chokidar's 50 ms throttle: the reader of each reported
// change ends with the file as saved, not as it was at the first step. A real chokidar on a real directory.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { LOOK_AGAIN_MS, withLateChanges } from '../../src/util/late-changes.js';
import { tempDir, waitFor } from '../helpers/project.js';

let dir: string;
let file: string;
let watcher: ReturnType<typeof watch>;
let stop: () => void;
/** What the reader read at each reported change of the file. */
let reads: string[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  dir = tempDir('late-changes');
  file = path.join(dir, '.env');
  writeFileSync(file, 'A=0\n');
  reads = [];
  watcher = watch(dir, { ignoreInitial: true, atomic: true });
  stop = withLateChanges(watcher, (event, changed) => {
    if (event === 'change' && changed === file) reads.push(readFileSync(file, 'utf8'));
  });
  await new Promise<void>((r) => watcher.once('ready', () => r()));
});

afterEach(async () => {
  stop();
  await watcher.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a save whose write comes 20 ms after its truncate is read whole at the last report', async () => {
  const fd = openSync(file, 'w'); // the truncate: chokidar reports it
  await waitFor(() => reads.length > 0, 'the report of the truncate', { stepMs: 1 });
  await sleep(20); // well inside chokidar's 50 ms: it drops the write's own event
  writeSync(fd, 'A=1\n');
  closeSync(fd);
  await waitFor(() => reads.at(-1) === 'A=1\n', 'a report after the write', { timeoutMs: 5000 });
  expect(reads[0]).toBe('');
});

test('one plain write is one report: the look after the throttle finds nothing new', async () => {
  writeFileSync(file, 'A=2\n');
  await waitFor(() => reads.length > 0, 'the report of the write');
  await sleep(LOOK_AGAIN_MS * 3);
  expect(reads).toEqual(['A=2\n']);
});

test('after the stop nothing is looked at again (chokidar closed: a report now could only be ours)', async () => {
  const fd = openSync(file, 'w');
  await waitFor(() => reads.length > 0, 'the report of the truncate', { stepMs: 1 });
  await watcher.close();
  stop();
  writeSync(fd, 'A=3\n');
  closeSync(fd);
  await sleep(LOOK_AGAIN_MS * 3);
  expect(reads).toEqual(['']);
});
