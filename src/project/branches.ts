// `postgres.branches: "git"`: on a git branch other than the default, clients use that branch's own
// database (a copy of the project database, made on first use), named after the branch.
import path from 'node:path';
import { sha256Hex } from '../util/sha256.js';
import type { Config } from './config.js';
import { readGitHead } from './git-branch.js';
import type { ProjectPaths } from './paths.js';
import { readClusterFile } from './pgres-files.js';
import { DATA_DIR } from './root.js';

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
 * digits, `_`), else a readable form with a short hash of the exact name (`hashLength` hex digits; a
 * name already taken asks for the hashed form, see branchDatabaseFor).
 */
export function branchDatabaseName(database: string, branch: string, hashLength = 0): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const plain = `${database}__${slug}`;
  if (hashLength === 0 && slug === branch && Buffer.byteLength(plain) <= MAX_NAME) return plain;
  const n = Math.max(6, hashLength);
  const hash = sha256Hex(branch).slice(0, n);
  return `${truncate(database, 24)}__${slug.slice(0, 34 - n)}${slug ? '_' : ''}${hash}`;
}

/**
 * The database of `branch`, never one `taken` says is someone else's (a configured database, another
 * branch's): the plain or hashed name, else the hashed one with a longer hash. Plain branch `a_1f2e3d`
 * and branch `a/...` whose hash starts with 1f2e3d would otherwise share one database.
 */
export function branchDatabaseFor(database: string, branch: string, taken: (name: string) => boolean): string {
  for (const hashLength of [0, 6, 10, 16, 24]) {
    const name = branchDatabaseName(database, branch, hashLength);
    if (!taken(name)) return name;
  }
  return branchDatabaseName(database, branch, 32); // 128 bits of the branch name: taken by no other
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
  if (!own) return { head: git.head, name: null, database };
  const branch = git.current!;
  const records = readRecords(path.join(root, DATA_DIR), branchesFile(root));
  // The cluster's own databases and the project's are never a branch's; nor is another branch's.
  const configured = new Set([database, ...(config.postgres.databases ?? []), 'postgres', 'template0', 'template1']);
  const mine = records.find((r) => r.branch === branch && !configured.has(r.database));
  const taken = (name: string) =>
    configured.has(name) || records.some((r) => r.database === name && r.branch !== branch);
  return { head: git.head, name: branch, database: mine?.database ?? branchDatabaseFor(database, branch, taken) };
}

/** A branch database devenv made: which branch it is for, and when. */
export interface BranchRecord {
  database: string;
  branch: string;
  createdAt: string;
  /** It was there already (made by hand, or by a devenv that lost its record): never dropped by `branch rm`. */
  adopted?: boolean;
}

/** Known before the paths are (a branch's database is part of the project value). */
function branchesFile(root: string): string {
  return path.join(root, DATA_DIR, 'devenv', 'state', 'branches.json');
}

/** The branch databases made so far (recorded when made, forgotten when removed). */
export function readBranchRecords(paths: ProjectPaths): BranchRecord[] {
  return readRecords(paths.pgdata, paths.branches);
}

function readRecords(pgdata: string, file: string): BranchRecord[] {
  try {
    const list = JSON.parse(readClusterFile(pgdata, file) ?? '[]') as BranchRecord[];
    return Array.isArray(list)
      ? list.filter((r) => typeof r?.database === 'string' && typeof r.branch === 'string')
      : [];
  } catch {
    return [];
  }
}
