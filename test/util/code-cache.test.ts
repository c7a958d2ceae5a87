/**
 * The code cache of the CLI bundle: taken when it is there and ours, written after a run without one,
 * replaced when V8 refuses it, never read from a file others could have written, dropped with the build
 * it belongs to. Each run is a node process of its own (within one process V8 keeps what it compiled in
 * memory and never looks at a cache), running the built module (dist/, as the bundle does) on a real
 * CommonJS file that requires another beside it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { installDirName } from '../../src/util/code-cache.js';
import { REPO, tempDir } from '../helpers/project.js';

let work: string;
let file: string;
let cache: string;
/** Where compileCommonJs keeps the caches of `file`. */
const cachesOf = () => path.join(cache, installDirName(file));
const caches = () => readdirSync(cachesOf()).filter((f) => f.endsWith('.bin'));

beforeEach(() => {
  work = tempDir('code-cache');
  cache = path.join(work, 'cache');
  file = path.join(work, 'mod.cjs');
  writeFileSync(path.join(work, 'dep.cjs'), 'module.exports = (x) => `dep:${x}`;\n');
  writeModule('one');
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The module appends what it computed to runs.txt: proof that it ran, and ran its own code. */
function writeModule(tag: string): void {
  writeFileSync(
    file,
    `const dep = require('./dep.cjs');\nfunction run(x) { return dep(x + ':' + __filename.length); }\n` +
      `require('node:fs').appendFileSync(__dirname + '/runs.txt', run(${JSON.stringify(tag)}) + '\\n');\n`,
  );
}

const runs = () => readFileSync(path.join(work, 'runs.txt'), 'utf8').trim().split('\n');

/** One "command": a node process compiles the module with its cache, runs it and saves; says the cache's use. */
function once(name = 'up', dir: string | null = cache): string {
  const script =
    `import { compileCommonJs } from ${JSON.stringify(path.join(REPO, 'dist/util/code-cache.js'))};\n` +
    `const c = compileCommonJs(${JSON.stringify(file)}, ${JSON.stringify(dir)}, ${JSON.stringify(name)});\n` +
    'c.run(); c.save(); process.stdout.write(c.use);\n';
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

test('the first run compiles and writes the cache; the next takes it and runs the same', () => {
  expect(once()).toBe('none');
  expect(caches()).toHaveLength(1);
  expect(statSync(cachesOf()).mode & 0o777).toBe(0o700);
  expect(statSync(path.join(cachesOf(), caches()[0]!)).mode & 0o777).toBe(0o600);
  expect(once()).toBe('used');
  const expected = `dep:one:${file.length}`;
  expect(runs()).toEqual([expected, expected]);
});

test('each name (command) has its own cache', () => {
  expect(once('up')).toBe('none');
  expect(once('down')).toBe('none');
  expect(once('up')).toBe('used');
  expect(
    caches()
      .map((f) => f.split('.')[0])
      .sort(),
  ).toEqual(['down', 'up']);
});

test('a damaged cache is refused by V8, the module still runs, and the cache is written again', () => {
  once();
  const [bin] = caches();
  writeFileSync(path.join(cachesOf(), bin!), 'not bytecode at all', { mode: 0o600 });
  expect(once()).toBe('rejected');
  expect(once()).toBe('used');
  expect(runs()).toHaveLength(3);
});

test('a cache file others may write is never read', () => {
  once();
  const bin = path.join(cachesOf(), caches()[0]!);
  chmodSync(bin, 0o666);
  expect(once()).toBe('none');
  // Written again, privately.
  expect(statSync(bin).mode & 0o777).toBe(0o600);
  expect(once()).toBe('used');
});

test('a cache directory others may write is not used at all, and nothing is written there', () => {
  mkdirSync(cachesOf(), { recursive: true });
  chmodSync(cachesOf(), 0o777);
  expect(once()).toBe('off');
  expect(caches()).toEqual([]);
  expect(runs()).toHaveLength(1);
});

test('no directory: no cache, the module runs', () => {
  expect(once('up', null)).toBe('off');
  expect(runs()).toEqual([`dep:one:${file.length}`]);
  expect(readdirSync(work).sort()).toEqual(['dep.cjs', 'mod.cjs', 'runs.txt']);
});

test('a rebuilt file never meets the old cache, and its first saved cache drops the old ones', () => {
  once('up');
  once('down');
  writeModule('two');
  // Same length and content shape, another build: the key (inode, size, time) differs in the time alone.
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  expect(once('up')).toBe('none');
  expect(runs().at(-1)).toBe(`dep:two:${file.length}`);
  expect(caches().map((f) => f.split('.')[0])).toEqual(['up']);
});
