import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { SWAP_JOURNAL, snapshotsDir } from './layout.js';

/**
 * A snapshot restore swaps the cluster's files by renames and keeps a journal while it does
 * (swap.ts). Restores hold the server lock for the swap, so a journal seen by someone about to start
 * the server under that lock is one a killed restore left: the files are half swapped. Every
 * preparePostgres gets this check (its StartGuard), so no start of the server can miss it.
 */
export function checkNoInterruptedSwap(paths: ProjectPaths): void {
  if (swapInterrupted(paths)) {
    throw new UserError(
      'a snapshot restore was interrupted while it swapped the cluster files (an upgrade swaps them the same way); ' +
        'run `devenv snapshot list` (any snapshot command finishes it), then run again',
    );
  }
}

/** Is a restore's swap journal there (a restore swapping now, or one killed while it did)? */
export function swapInterrupted(paths: ProjectPaths): boolean {
  return existsSync(path.join(snapshotsDir(paths), SWAP_JOURNAL));
}
