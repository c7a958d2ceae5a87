// Which branch a project is on, read from real repositories' files: plain, a subdirectory, a worktree,
// a rebase, a detached HEAD, origin's default branch; and the names of branch databases.
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { branchDatabaseFor, branchDatabaseName } from '../../src/project/branches.js';
import { readGitHead } from '../../src/project/git-branch.js';
import { git, gitRepo } from '../helpers/git.js';
import { tempDir } from '../helpers/project.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = tempDir('git-branch');
  dirs.push(dir);
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  gitRepo(dir);
  return dir;
}

test('the branch of a repository and of a subdirectory; the default is main; detached is no branch', () => {
  const dir = repo();
  mkdirSync(path.join(dir, 'app'));
  expect(readGitHead(dir)).toEqual({ head: path.join(dir, '.git', 'HEAD'), current: 'main', defaultBranch: 'main' });
  git(dir, 'checkout', '-q', '-b', 'feature/x');
  expect(readGitHead(path.join(dir, 'app'))).toMatchObject({ current: 'feature/x', defaultBranch: 'main' });
  git(dir, 'checkout', '-q', '--detach');
  expect(readGitHead(dir)).toMatchObject({ current: null, defaultBranch: 'main' });
  // Packed refs count: after gc, main is no longer a loose ref.
  git(dir, 'checkout', '-q', 'feature/x');
  git(dir, 'pack-refs', '--all');
  expect(readGitHead(dir)).toMatchObject({ current: 'feature/x', defaultBranch: 'main' });
  const outside = tempDir('git-none');
  dirs.push(outside);
  expect(readGitHead(outside)).toBeNull();
});

test("origin's default branch wins; a rebase is still its branch's work; a worktree has its own HEAD", () => {
  const origin = repo();
  git(origin, 'branch', '-m', 'main', 'trunk');
  const clone = tempDir('git-clone');
  dirs.push(clone);
  git(clone, 'clone', '-q', origin, '.');
  expect(readGitHead(clone)).toMatchObject({ current: 'trunk', defaultBranch: 'trunk' });

  git(clone, 'checkout', '-q', '-b', 'topic');
  writeFileSync(path.join(clone, 'b.txt'), 'b\n');
  git(clone, 'add', 'b.txt');
  git(clone, 'commit', '-q', '-m', 'b');
  // An interactive rebase stopped at its first commit: HEAD is detached meanwhile.
  execRebase(clone);
  expect(readFileSync(path.join(clone, '.git', 'HEAD'), 'utf8')).not.toMatch(/^ref:/);
  expect(readGitHead(clone)).toMatchObject({ current: 'topic' });
  git(clone, 'rebase', '--abort');

  const wt = path.join(realpathSync(path.dirname(clone)), `${path.basename(clone)}-wt`);
  dirs.push(wt);
  git(clone, 'worktree', 'add', '-q', '-b', 'other', wt);
  const head = readGitHead(wt)!;
  expect(head).toMatchObject({ current: 'other', defaultBranch: 'trunk' });
  expect(head.head).toBe(path.join(clone, '.git', 'worktrees', path.basename(wt), 'HEAD'));
  expect(readGitHead(clone)).toMatchObject({ current: 'topic' });
});

function execRebase(dir: string): void {
  const editor = path.join(dir, '..', `${path.basename(dir)}-editor.sh`);
  writeFileSync(editor, '#!/bin/sh\nsed -i \'s/^pick/edit/\' "$1"\n', { mode: 0o755 });
  dirs.push(editor);
  git(dir, '-c', `sequence.editor=${editor}`, 'rebase', '-q', '-i', 'HEAD~1');
}

test('branch database names: plain branches read as such, others get a hash; 63 bytes at most', () => {
  expect(branchDatabaseName('shop', 'next')).toBe('shop__next');
  const login = branchDatabaseName('shop', 'feature/Login');
  expect(login).toMatch(/^shop__feature_login_[0-9a-f]{6}$/);
  expect(branchDatabaseName('shop', 'feature/login')).not.toBe(login);
  expect(branchDatabaseName('shop', '日本')).toMatch(/^shop__[0-9a-f]{6}$/);
  const long = branchDatabaseName('d'.repeat(63), 'b'.repeat(100));
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
});

test('a branch database name someone else has is never taken: the hashed form, then longer hashes', () => {
  const taken = new Set(['shop__qa']);
  const qa = branchDatabaseFor('shop', 'qa', (n) => taken.has(n));
  expect(qa).toMatch(/^shop__qa_[0-9a-f]{6}$/);
  taken.add(qa);
  const longer = branchDatabaseFor('shop', 'qa', (n) => taken.has(n));
  expect(longer).toMatch(/^shop__qa_[0-9a-f]{10}$/);
  expect(longer.startsWith(qa)).toBe(true);
  // The plain branch spelled like feature/login's database takes another.
  const login = branchDatabaseName('shop', 'feature/login');
  const twin = login.slice('shop__'.length);
  expect(branchDatabaseName('shop', twin)).toBe(login);
  expect(branchDatabaseFor('shop', twin, (n) => n === login)).not.toBe(login);
  const everything = branchDatabaseFor('shop', 'qa', () => true);
  expect(Buffer.byteLength(everything)).toBeLessThanOrEqual(63);
  expect(everything).toMatch(/_[0-9a-f]{32}$/);
});
