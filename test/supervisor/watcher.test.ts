import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher, isDefaultIgnored, ProjectWatcher } from '../../src/supervisor/watcher.js';
import { Debouncer } from '../../src/util/debounce.js';
import { tempDir, waitFor } from './helpers.js';

describe('default ignores', () => {
  it.each([
    '.git/HEAD',
    'node_modules/x/index.js',
    'packages/a/node_modules/b.js',
    '.pgres/postmaster.pid',
    '.pgres.partial-1234/PG_VERSION',
    'dist/app.js',
    'build/out.o',
    'coverage/lcov.info',
    'src/.app.ts.swp',
    'src/.app.ts.swx',
    'src/app.ts~',
    'src/.#app.ts',
    'src/#app.ts#',
    'src/4913',
    'src/app.ts.tmp',
    '.DS_Store',
  ])('ignores %s', (rel) => {
    expect(isDefaultIgnored(rel)).toBe(true);
  });

  it.each(['src/app.ts', 'package.json', '.env', 'devenv.json', 'Procfile', 'src/distance.ts', 'src/4913.ts'])(
    'keeps %s',
    (rel) => {
      expect(isDefaultIgnored(rel)).toBe(false);
    },
  );
});

describe('gitignore matching', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    writeFileSync(join(dir, '.gitignore'), '*.log\n/tmp/\nlogs/\n!keep.log\n# comment\n');
  });
  afterEach(() => cleanup());

  it('applies the root .gitignore with real gitignore semantics', () => {
    const { ignored } = createIgnoreMatcher({ root: dir });
    expect(ignored(join(dir, 'server.log'))).toBe(true);
    expect(ignored(join(dir, 'sub/deep/x.log'))).toBe(true);
    expect(ignored(join(dir, 'keep.log'))).toBe(false); // negation
    expect(ignored(join(dir, 'tmp/a.js'))).toBe(true); // anchored directory
    expect(ignored(join(dir, 'src/tmp/a.js'))).toBe(false); // anchored: not deeper
    expect(ignored(join(dir, 'a/logs/x.txt'))).toBe(true); // unanchored directory rule
    expect(ignored(join(dir, 'src/app.ts'))).toBe(false);
    expect(ignored(dir)).toBe(false);
    expect(ignored('/elsewhere/x.log')).toBe(false); // outside the root: the gitignore has no say
  });

  it('applies extra configured patterns with the same syntax', () => {
    const { ignored } = createIgnoreMatcher({ root: dir, gitignore: false, patterns: ['tmp-data/', '*.sqlite'] });
    expect(ignored(join(dir, 'tmp-data/x.json'))).toBe(true);
    expect(ignored(join(dir, 'a/b.sqlite'))).toBe(true);
    expect(ignored(join(dir, 'a.log'))).toBe(false); // the gitignore is off here
    expect(ignored(join(dir, 'src/app.ts'))).toBe(false);
  });

  it('can be switched off and reloaded', () => {
    expect(createIgnoreMatcher({ root: dir, gitignore: false }).ignored(join(dir, 'a.log'))).toBe(false);
    const m = createIgnoreMatcher({ root: dir });
    expect(m.ignored(join(dir, 'a.txt'))).toBe(false);
    writeFileSync(join(dir, '.gitignore'), '*.txt\n');
    m.reloadGitignore();
    expect(m.ignored(join(dir, 'a.txt'))).toBe(true);
  });
});

describe('ProjectWatcher', () => {
  let dir: string;
  let cleanup: () => void;
  let watcher: ProjectWatcher | undefined;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.gitignore'), '*.log\n');
    writeFileSync(join(dir, 'src/app.js'), 'v1\n');
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    cleanup();
  });

  it('reports relative paths of changes and nothing for ignored files', async () => {
    const seen: string[] = [];
    watcher = new ProjectWatcher({ root: dir, onChange: (rel) => seen.push(rel) });
    await watcher.ready;
    expect(seen).toEqual([]); // ignoreInitial
    writeFileSync(join(dir, 'node_modules/pkg/index.js'), 'x');
    writeFileSync(join(dir, '.git/index'), 'x');
    writeFileSync(join(dir, 'debug.log'), 'x');
    writeFileSync(join(dir, 'src/.app.js.swp'), 'x');
    writeFileSync(join(dir, 'src/app.js'), 'v2\n');
    // Events arrive in order: once the last write is seen, the ignored ones would have been too.
    await waitFor(() => seen.includes(join('src', 'app.js')), 'change event');
    expect(seen).toEqual([join('src', 'app.js')]);
  });

  it('watches only the configured paths', async () => {
    mkdirSync(join(dir, 'lib'));
    const seen: string[] = [];
    watcher = new ProjectWatcher({ root: dir, paths: ['lib'], onChange: (rel) => seen.push(rel) });
    await watcher.ready;
    writeFileSync(join(dir, 'src/app.js'), 'v2\n');
    writeFileSync(join(dir, 'lib/x.js'), 'x');
    await waitFor(() => seen.length > 0, 'event');
    expect(seen).toEqual([join('lib', 'x.js')]);
  });

  /** Watcher + debouncer, as the supervisor wires them; each flush would be one restart. */
  async function flushesFor(save: () => void): Promise<string[][]> {
    const flushes: string[][] = [];
    const debouncer = new Debouncer<string>((paths) => flushes.push(paths.sort()), 100);
    watcher = new ProjectWatcher({ root: dir, onChange: (rel) => debouncer.push(rel) });
    await watcher.ready;
    save();
    await waitFor(() => flushes.length === 1, 'first flush');
    // A sentinel written afterwards must arrive alone: any straggler event of the save would be
    // folded into its flush (or make a flush of its own) and fail the count.
    writeFileSync(join(dir, 'sentinel.txt'), 's');
    await waitFor(() => flushes.length >= 2, 'sentinel flush');
    debouncer.cancel();
    expect(flushes[1]).toEqual(['sentinel.txt']);
    expect(flushes).toHaveLength(2);
    return flushes;
  }

  it('a write-temp-then-rename save is exactly one flush', async () => {
    const flushes = await flushesFor(() => {
      writeFileSync(join(dir, 'src/app.js.tmp'), 'v2\n');
      renameSync(join(dir, 'src/app.js.tmp'), join(dir, 'src/app.js'));
    });
    expect(flushes[0]).toEqual([join('src', 'app.js')]);
  });

  it('a vim-style save (probe file, backup rename, new write, backup delete) is exactly one flush', async () => {
    const flushes = await flushesFor(() => {
      writeFileSync(join(dir, 'src/4913'), '');
      unlinkSync(join(dir, 'src/4913'));
      renameSync(join(dir, 'src/app.js'), join(dir, 'src/app.js~'));
      writeFileSync(join(dir, 'src/app.js'), 'v2\n');
      unlinkSync(join(dir, 'src/app.js~'));
    });
    expect(flushes[0]).toEqual([join('src', 'app.js')]);
  });
});
