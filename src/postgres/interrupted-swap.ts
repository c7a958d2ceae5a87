import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';

/**
 * A snapshot restore swaps the cluster's files by renames and keeps a journal while it does
 * (src/snapshot/swap.ts). Restores hold the server lock for the swap, so a journal seen by someone
 * about to start the server under that lock is one a killed restore left: the files are half swapped.
 */
export const SWAP_JOURNAL = '.swap.json';

export function swapJournalPath(paths: ProjectPaths): string {
  return path.join(paths.pgdata, 'snapshots', SWAP_JOURNAL);
}

/** Refuse to start postgres on half-swapped files; any snapshot command finishes the swap. */
export function checkNoInterruptedSwap(paths: ProjectPaths): void {
  if (existsSync(swapJournalPath(paths))) {
    throw new UserError(
      'a snapshot restore was interrupted while it swapped the cluster files; run `devenv snapshot list` ' +
        '(any snapshot command finishes it), then run again',
    );
  }
}
