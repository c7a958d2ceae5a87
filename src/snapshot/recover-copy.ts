import path from 'node:path';
import { UserError } from '../errors.js';
import type { Binaries } from '../postgres/binaries.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import { run } from '../util/run-program.js';
import { lastLines } from '../util/text.js';

/**
 * Bring a copy to a cleanly shut down state: a single-user postgres on it replays the WAL the copy
 * carries (from its backup_label, or after a crash) and writes a shutdown checkpoint on exit. So a
 * save proves its copy starts, and a restore starts the server without recovery or the fsync of every
 * file that recovery begins with. fsync is off for this run only: the caller flushes the whole copy once.
 */
export async function recoverCopy(binaries: Binaries, dataDir: string, fs: ClusterFs): Promise<void> {
  const r = await run(
    path.join(binaries.bindir, 'postgres'),
    ['--single', '-D', dataDir, '-c', 'fsync=off', '-c', 'exit_on_error=on', 'template1'],
    { ...fs.spawnOptions(), input: '' },
  );
  if (r.code !== 0 || /\b(FATAL|PANIC):/.test(r.stderr)) {
    throw new UserError(`the copy did not recover to a consistent state, nothing was saved: ${lastLines(r.stderr, 3)}`);
  }
}
