import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import type { ProjectPaths } from '../project/paths.js';
import { processGone } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import { type FileWorker, openFileWorker } from './file-worker.js';
import { SWAP_JOURNAL, snapshotsDir, WORK_PREFIXES } from './layout.js';

/**
 * One snapshot command's hold on the cluster: the file worker, the snapshot lock (one snapshot command
 * at a time), and the cleanup of what killed ones left behind.
 */
export class SnapshotSession {
  private constructor(
    readonly files: FileWorker,
    readonly dir: string,
  ) {}

  static async begin(paths: ProjectPaths, fs: ClusterFs, op: string, out: Output): Promise<SnapshotSession> {
    const dir = snapshotsDir(paths);
    const files = openFileWorker(fs);
    try {
      await files.run('ensureDir', { dir });
      const lock = await files.run('lock', { dir, owner: process.pid, op });
      if ('holder' in lock) {
        throw new UserError(
          `another snapshot command (\`devenv ${lock.holder.op === 'upgrade' ? '' : 'snapshot '}${lock.holder.op}\`, ` +
            `pid ${lock.holder.pid}) is running ` +
            'on this cluster; wait for it to finish and run again',
        );
      }
      const session = new SnapshotSession(files, dir);
      await session.tidy(out);
      return session;
    } catch (err) {
      files.close();
      throw err;
    }
  }

  /** Finish a restore that was killed mid-swap; remove work dirs of killed saves and restores. */
  async tidy(out: Output): Promise<void> {
    const { removed, finishedSwap } = await this.files.run('tidy', { dir: this.dir });
    if (finishedSwap)
      out.notice('finished a snapshot restore that was interrupted (or an upgrade: it swaps the same way)');
    if (removed.length)
      out.notice(`removed what an interrupted snapshot or upgrade command left (${removed.join(', ')})`);
  }

  async end(): Promise<void> {
    try {
      await this.files.run('unlock', { dir: this.dir, owner: process.pid });
    } finally {
      this.files.close();
    }
  }
}

/** Is there anything for tidy() to do? Read-only, so commands that only read can skip the worker. */
export function leftoversIn(paths: ProjectPaths): boolean {
  const dir = snapshotsDir(paths);
  if (existsSync(path.join(dir, SWAP_JOURNAL))) return true;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return names.some((n) => {
    const prefix = WORK_PREFIXES.find((p) => n.startsWith(p));
    if (!prefix) return false;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    return !(Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processGone(pid));
  });
}
