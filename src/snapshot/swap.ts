import { readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KEEP_IN_PGDATA } from './layout.js';

/**
 * A restore swaps the cluster's files in place: .pgres itself cannot be renamed (devenv's files and the
 * snapshots live in it), so every entry moves out to a trash dir, then every entry of the staging copy
 * moves in. A journal written before the first rename says how far it got; whoever finds it with its
 * owner gone rolls it forward, so a kill -9 mid-swap never leaves a cluster made of two halves.
 */
export interface SwapJournal {
  format: 1;
  /** The devenv process that runs the restore, and the process doing the renames (the same when not root). */
  owner: number;
  worker: number;
  pgdata: string;
  staging: string;
  trash: string;
  /** 'out': moving the current files to the trash; 'in': moving the snapshot's files in. */
  phase: 'out' | 'in';
  /**
   * A file of devenv's kept in place (its cluster.json) that says what the new files are: written once they
   * are in, by whoever finishes the swap, when they are of another major (an upgrade, a snapshot of it).
   */
  after?: { file: string; content: string };
}

function writeJournal(file: string, journal: SwapJournal): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(journal)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function readJournal(file: string): SwapJournal | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as SwapJournal;
    return j && j.format === 1 && (j.phase === 'out' || j.phase === 'in') ? j : null;
  } catch {
    return null;
  }
}

/** Run (or resume) the swap the journal describes; removes the journal when done. */
export function runSwap(file: string, journal: SwapJournal): void {
  if (journal.phase === 'out') {
    for (const name of readdirSync(journal.pgdata)) {
      if (!KEEP_IN_PGDATA.includes(name)) renameSync(path.join(journal.pgdata, name), path.join(journal.trash, name));
    }
    journal = { ...journal, phase: 'in' };
    writeJournal(file, journal);
  }
  for (const name of readdirSync(journal.staging)) {
    renameSync(path.join(journal.staging, name), path.join(journal.pgdata, name));
  }
  if (journal.after) {
    // A fresh file renamed over it: a link planted there is replaced, not followed.
    const tmp = `${journal.after.file}.${process.pid}.tmp`;
    writeFileSync(tmp, journal.after.content, { mode: 0o644 });
    renameSync(tmp, journal.after.file);
  }
  rmSync(file, { force: true });
  rmdirSync(journal.staging);
}

export function startSwap(file: string, journal: Omit<SwapJournal, 'format' | 'phase' | 'worker'>): void {
  const full: SwapJournal = { format: 1, ...journal, worker: process.pid, phase: 'out' };
  writeJournal(file, full);
  runSwap(file, full);
}
