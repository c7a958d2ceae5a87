// Which git branch a project is on, from the repository's files alone (no git process: the shell
// hook renders through this, and `git` need not be installed): HEAD, the rebase state, the refs.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface GitHead {
  /** The HEAD file: a branch switch rewrites it (the shell hook and `up` watch it). */
  head: string;
  /** The branch checked out; during a rebase, the branch being rebased; null for a detached HEAD. */
  current: string | null;
  /** origin's default branch, else `main`, else `master` (whichever exists); null when none does. */
  defaultBranch: string | null;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The repository's git dir (a worktree's own) and common dir (refs), from `.git` at or above `root`. */
function gitDirs(root: string): { gitDir: string; commonDir: string } | null {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    let isDir: boolean | null = null;
    try {
      isDir = statSync(dotGit).isDirectory();
    } catch {
      // not here
    }
    if (isDir !== null) {
      // A worktree or submodule: `.git` is a file naming the git dir.
      const gitDir = isDir ? dotGit : path.resolve(dir, /^gitdir: (.*)$/m.exec(read(dotGit) ?? '')?.[1] ?? '');
      if (!isDir && gitDir === path.resolve(dir)) return null;
      const common = read(path.join(gitDir, 'commondir'));
      return { gitDir, commonDir: common ? path.resolve(gitDir, common) : gitDir };
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function branchOf(ref: string | null): string | null {
  const m = /^(?:ref: )?refs\/heads\/(.+)$/.exec(ref ?? '');
  return m ? m[1]! : null;
}

/** Does the repository holding `root` still have this branch? */
export function gitBranchExists(root: string, branch: string): boolean {
  const dirs = gitDirs(root);
  return dirs !== null && branchExists(dirs.commonDir, branch);
}

function branchExists(commonDir: string, branch: string): boolean {
  if (read(path.join(commonDir, 'refs', 'heads', branch)) !== null) return true;
  const packed = read(path.join(commonDir, 'packed-refs')) ?? '';
  return packed.split('\n').some((line) => line.endsWith(` refs/heads/${branch}`));
}

/** The git state of the repository holding `root`, or null when it is not in one. */
export function readGitHead(root: string): GitHead | null {
  const dirs = gitDirs(root);
  if (!dirs) return null;
  const { gitDir, commonDir } = dirs;
  const head = path.join(gitDir, 'HEAD');
  let current = branchOf(read(head));
  // A rebase detaches HEAD for its duration; it is still that branch's work.
  for (const state of ['rebase-merge', 'rebase-apply']) {
    current ??= branchOf(read(path.join(gitDir, state, 'head-name')));
  }
  const origin = /^ref: refs\/remotes\/origin\/(.+)$/.exec(
    read(path.join(commonDir, 'refs', 'remotes', 'origin', 'HEAD')) ?? '',
  );
  const defaultBranch = origin?.[1] ?? (['main', 'master'] as const).find((b) => branchExists(commonDir, b)) ?? null;
  return { head, current, defaultBranch };
}
