import { chmodSync, lchownSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ensurePrivateDir, UntrustedPathError } from '../../src/util/private-path.js';
import { tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

let base: string;
beforeEach(() => {
  base = tempDir('private-path');
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function refusal(dir: string): string | null {
  try {
    ensurePrivateDir(dir);
    return null;
  } catch (err) {
    if (!(err instanceof UntrustedPathError)) throw err;
    return err.entry;
  }
}

test('a path only we (and root) can change is created, mode 0700', () => {
  const dir = path.join(base, 'state', 'devenv', 'projects', 'p-1');
  expect(refusal(dir)).toBe(null);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(refusal(dir)).toBe(null); // again: it exists now
});

test('a directory on the way that others may write is refused (a sticky one like /tmp is fine)', () => {
  const open = path.join(base, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  expect(refusal(path.join(open, 'devenv'))).toBe(open);
  chmodSync(open, 0o1777);
  expect(refusal(path.join(open, 'devenv'))).toBe(null);
});

test('a symlink on the way that leads through a directory others may write is refused', () => {
  const open = path.join(base, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  symlinkSync(open, path.join(base, 'link'));
  expect(refusal(path.join(base, 'link', 'devenv'))).toBe(open);
});

test('as root: a symlink on the way owned by another account is refused, wherever it leads', () => {
  need('root');
  mkdirSync(path.join(base, 'real'));
  const link = path.join(base, 'link');
  symlinkSync(path.join(base, 'real'), link);
  lchownSync(link, 4242, 4242);
  expect(refusal(path.join(link, 'devenv'))).toBe(link);
  const theirs = path.join(base, 'theirs');
  mkdirSync(theirs);
  lchownSync(theirs, 4242, 4242);
  expect(refusal(path.join(theirs, 'devenv'))).toBe(theirs);
});
