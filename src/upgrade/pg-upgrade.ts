// The pg_upgrade route: the new major's pg_upgrade moves the catalog and copies (or clones) the data files
// into the new cluster; the old cluster's files are only read, so it stays usable whatever happens.
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import { tether } from '../util/tether.js';
import { NEW_PORT, OLD_PORT } from './temp-server.js';

export interface PgUpgradeJob {
  tool: string;
  major: number;
  oldBindir: string;
  newBindir: string;
  oldData: string;
  newData: string;
  superuser: string;
  /** Its servers' sockets, and its working directory (older versions write their logs there). */
  socketDir: string;
  /** The filesystem clones files (a snapshot of it was a reflink copy). */
  clone: boolean;
  fs: ClusterFs;
}

export async function runPgUpgrade(job: PgUpgradeJob): Promise<void> {
  // Copying is pg_upgrade's default; --copy names it only from PostgreSQL 16 on.
  const mode = job.clone ? ['--clone'] : job.major >= 16 ? ['--copy'] : [];
  const args = [
    ...['-b', job.oldBindir, '-B', job.newBindir, '-d', job.oldData, '-D', job.newData],
    ...['-U', job.superuser, '-s', job.socketDir, '-p', String(OLD_PORT), '-P', String(NEW_PORT)],
    ...mode,
  ];
  // Its own process group: a kill of the upgrade ends pg_upgrade and whatever it runs (pg_dump, pg_restore);
  // the servers its pg_ctl starts are out of that group, and are found by their socket dir.
  const leash = tether({
    signal: 'SIGTERM',
    as: job.fs.account,
    servers: { socketDir: job.socketDir, dataDirs: [job.oldData, job.newData] },
  });
  const child = spawn(job.tool, args, {
    ...job.fs.spawnOptions(),
    cwd: job.socketDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  leash.add(child.pid === undefined ? undefined : -child.pid);
  let output = '';
  const keep = (d: string) => (output = (output + d).slice(-8000));
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', (c) => resolve(c));
    child.on('error', () => resolve(127));
  });
  leash.release();
  if (code !== 0) {
    // pg_upgrade ends with "Failure, exiting" after the line that says why.
    const lines = output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Failure, exiting/.test(l) && !/^\*+$/.test(l));
    throw new UserError(`pg_upgrade failed: ${lines[lines.length - 1] ?? `exit ${code}`}`);
  }
}
