import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { PreparedPostgres } from '../postgres/prepare.js';
import { findRunningServer } from '../postgres/server.js';
import type { Output } from '../util/output.js';
import { runInBackground } from './account-files.js';
import type { SnapshotManifest } from './catalog.js';
import { checkName, DATA, defaultName, MANIFEST, PARTIAL_PREFIX, readyCopiesWanted, snapshotDir } from './layout.js';
import { OnlineBackup } from './online-backup.js';
import { recoverCopy } from './recover-copy.js';
import { SnapshotSession } from './session.js';
import type { CopyResult } from './tree-copy.js';

export interface SaveOutcome {
  manifest: SnapshotManifest;
  /** How the running server was affected: in backup mode this long (it never stops), of which the checkpoint took this. */
  backupMs: number | null;
  checkpointMs: number | null;
}

function pickName(pg: PreparedPostgres, requested: string | undefined): string {
  if (requested !== undefined) {
    const name = checkName(requested);
    if (existsSync(snapshotDir(pg.project.paths, name))) {
      throw new UserError(
        `a snapshot named "${name}" already exists; choose another name or remove it first (\`devenv snapshot rm ${name}\`)`,
      );
    }
    return name;
  }
  const base = defaultName();
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(snapshotDir(pg.project.paths, name))) return name;
  }
}

/**
 * Copy the whole cluster into `.pgres/snapshots/<name>/`, built in a work dir and renamed into place
 * once complete (a killed save leaves only a work dir, which the next command removes). A running
 * server keeps running: the copy is taken in backup mode. A stopped one is copied as it is, with the
 * snapshot lock keeping devenv from starting it meanwhile.
 */
export async function saveSnapshot(
  pg: PreparedPostgres,
  requested: string | undefined,
  out: Output,
): Promise<SaveOutcome> {
  const { project } = pg;
  const { pgdata } = project.paths;
  if (pg.state.state !== 'ready') {
    throw new UserError(`there is no cluster to snapshot yet (${pgdata} does not exist); run \`devenv init\` first`);
  }
  const major = pg.state.pgMajor;
  const name = pickName(pg, requested);
  const t0 = performance.now();
  const session = await SnapshotSession.begin(project.paths, pg.account, 'save', out);
  const { files } = session;
  let work: string | null = null;
  try {
    work = await files.run('makeWorkDir', { dir: session.dir, prefix: PARTIAL_PREFIX });
    const data = path.join(work, DATA);
    await files.run('mkdir', { dir: data });
    let copy: CopyResult;
    let method: SnapshotManifest['method'];
    let serverVersion = pg.binaries.version;
    let databases: string[] | null = null;
    let backupMs: number | null = null;
    let checkpointMs: number | null = null;
    let needsRecovery = false;
    if (findRunningServer(project)) {
      method = 'online';
      const backup = await OnlineBackup.open(project);
      try {
        serverVersion = backup.serverVersion;
        databases = await backup.databases();
        out.step(`copying the cluster (server running, in backup mode)`);
        const tb = performance.now();
        ({ checkpointMs } = await backup.start(`devenv snapshot ${name}`));
        copy = await files.run('copyTree', { from: pgdata, to: data, mode: 'online' });
        const label = await backup.stop();
        backupMs = performance.now() - tb;
        const wal = await files.run('copyWal', {
          fromWal: path.join(pgdata, 'pg_wal'),
          toWal: path.join(data, 'pg_wal'),
          range: label.wal,
        });
        copy = { ...copy, files: copy.files + wal.files, bytes: copy.bytes + wal.bytes };
        await files.run('writeFile', { file: path.join(data, 'backup_label'), content: label.labelFile });
        if (label.tablespaceMap) {
          await files.run('writeFile', { file: path.join(data, 'tablespace_map'), content: label.tablespaceMap });
        }
        needsRecovery = true;
      } catch (err) {
        if (!findRunningServer(project)) {
          throw new UserError(
            `the server stopped while the snapshot was being taken; nothing was saved (${(err as Error).message})`,
          );
        }
        throw err;
      } finally {
        await backup.close();
      }
    } else {
      method = 'offline';
      out.step('copying the cluster (server stopped)');
      const control = path.join(pgdata, 'global', 'pg_control');
      const before = readFileSync(control);
      const range = await files.run('stoppedClusterRange', { pgdata });
      // No clean shutdown (a crash, an unrecovered restore): recover the copy rather than the original.
      needsRecovery = range === null;
      copy = await files.run('copyTree', { from: pgdata, to: data, mode: 'offline' });
      const wal = await files.run('copyWal', {
        fromWal: path.join(pgdata, 'pg_wal'),
        toWal: path.join(data, 'pg_wal'),
        range,
        lastOptional: true,
      });
      copy = { ...copy, files: copy.files + wal.files, bytes: copy.bytes + wal.bytes };
      // Someone started postgres by hand meanwhile (devenv's own starts wait for our lock)?
      if (findRunningServer(project) || !before.equals(readFileSync(control))) {
        throw new UserError(
          'the server was started while the snapshot was being taken; nothing was saved; run it again',
        );
      }
    }
    if (needsRecovery) {
      out.step('recovering the copy to a consistent state');
      await recoverCopy(pg.binaries, data, pg.account);
      for (const name of ['backup_label.old', 'tablespace_map.old']) {
        await files.run('removePath', { path: path.join(data, name) });
      }
    }
    const manifest: SnapshotManifest = {
      format: 1,
      id: randomBytes(8).toString('hex'),
      name,
      createdAt: new Date().toISOString(),
      major,
      serverVersion,
      bytes: copy.bytes,
      files: copy.files,
      databases,
      method,
      copy: copy.method,
      tookMs: Math.round(performance.now() - t0),
    };
    await files.run('writeFile', {
      file: path.join(work, MANIFEST),
      content: `${JSON.stringify(manifest, null, 2)}\n`,
    });
    // On disk before it is listed: a power cut must not leave a listed snapshot with missing blocks.
    await files.run('syncTree', { dir: work });
    await files.run('commit', { from: work, to: snapshotDir(project.paths, name) });
    work = null;
    // Where a copy costs real time (no cloning), prepare the next restore's copy now, in the background.
    if (copy.method === 'copy' && readyCopiesWanted()) {
      runInBackground(pg.account, 'prepareSpare', { dir: session.dir, name, id: manifest.id });
    }
    return { manifest, backupMs, checkpointMs };
  } finally {
    if (work) await files.run('removePath', { path: work }).catch(() => undefined);
    await session.end();
  }
}
