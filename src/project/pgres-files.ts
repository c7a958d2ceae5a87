// The one way devenv writes its own files inside .pgres (state, logs, locks, settings; their paths are in
// ProjectPaths). Nothing else writes there directly, so the rules for writing into a tree that belongs to
// the account postgres runs as (root mode, issue 9.2) change in this module.
import { mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { capInPlace, type LogLimits, type LogProblems, RotatingLog } from '../util/rotating-log.js';

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

/**
 * A log we append lines to ourselves, rotated at `limits` (<file>.1 … .<keep>).
 * Root: rotation renames and creates files inside .pgres (flagged for the root-mode design, 9.2).
 */
export function ownLogFile(file: string, limits: LogLimits, problems?: LogProblems): RotatingLog {
  ensureOwnDir(file);
  return new RotatingLog(file, limits, problems);
}

/**
 * Bound a log another process appends to (postgres.log, up.log): copied to <file>.1 and emptied in
 * place once past the limit. Root: like ownLogFile.
 */
export function capOwnLog(file: string, limits: LogLimits): boolean {
  return capInPlace(file, limits);
}
