// `postgres.branches: "git"`: on a git branch other than the default, clients use that branch's own
// database (a copy of the project database, made on first use), named after the branch.
import { createHash } from 'node:crypto';
import type { Config } from './config.js';
import { readGitHead } from './git-branch.js';
import type { ProjectPaths } from './paths.js';
import { readClusterFile } from './pgres-files.js';

export interface BranchState {
  /** The HEAD file a branch switch rewrites (watched by the shell hook and `up`). */
  head: string;
  /** The git branch whose database clients use; null on the default branch (or a detached HEAD). */
  name: string | null;
  /** The database clients use: the branch's, else the project database. */
  database: string;
}

/** PostgreSQL truncates names at 63 bytes. */
const MAX_NAME = 63;

/**
 * The database of `branch`: `<database>__<branch>` when the branch name is plain (lower-case letters,
 * digits, `_`), else a readable form with a short hash of the exact name, so two branches never share one.
 */
export function branchDatabaseName(database: string, branch: string): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const plain = `${database}__${slug}`;
  if (slug === branch && Buffer.byteLength(plain) <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(branch).digest('hex').slice(0, 6);
  return `${truncate(database, 24)}__${slug.slice(0, 28)}${slug ? '_' : ''}${hash}`;
}

function truncate(text: string, bytes: number): string {
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

/** Where the project is on git, for postgres.branches; null when it is off or the project is in no repository. */
export function branchState(root: string, config: Config, database: string): BranchState | null {
  if (config.postgres.branches !== 'git') return null;
  const git = readGitHead(root);
  if (!git) return null;
  const own = git.current !== null && git.defaultBranch !== null && git.current !== git.defaultBranch;
  return own
    ? { head: git.head, name: git.current, database: branchDatabaseName(database, git.current!) }
    : { head: git.head, name: null, database };
}

/** A branch database devenv made: which branch it is for, and when. */
export interface BranchRecord {
  database: string;
  branch: string;
  createdAt: string;
}

/** The branch databases made so far (recorded when made, forgotten when removed). */
export function readBranchRecords(paths: ProjectPaths): BranchRecord[] {
  try {
    const list = JSON.parse(readClusterFile(paths.pgdata, paths.branches) ?? '[]') as BranchRecord[];
    return Array.isArray(list) ? list.filter((r) => typeof r?.database === 'string') : [];
  } catch {
    return [];
  }
}
