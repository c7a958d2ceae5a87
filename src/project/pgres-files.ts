// The one way devenv writes its own files inside .pgres (state, logs, locks, settings; their paths are in
// ProjectPaths). Nothing else writes there directly, so the rules for writing into a tree that belongs to
// the account postgres runs as (root mode, issue 9.2) change in this module.
import { createWriteStream, mkdirSync, openSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * Write a whole file (readers see the old or the new content, never half), creating its directory.
 * Root: this writes as the calling user while .pgres belongs to the account postgres runs as.
 */
export function writeOwnFile(file: string, text: string, mode = 0o644): void {
  writeFileAtomic(file, text, { mkdir: true, mode });
}

export function removeOwnFile(file: string): void {
  rmSync(file, { force: true });
}

/** The directory of a lock or marker file we are about to create. */
export function ensureOwnDir(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
}

/** A log opened for appending, as a descriptor for a child's stdout/stderr. The caller closes it. */
export function openOwnLog(file: string): number {
  ensureOwnDir(file);
  return openSync(file, 'a');
}

/** A log we append lines to ourselves. */
export function ownLogStream(file: string): WriteStream {
  ensureOwnDir(file);
  return createWriteStream(file, { flags: 'a' });
}
