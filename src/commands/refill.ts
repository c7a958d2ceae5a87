import { findBinaries } from '../postgres/binaries.js';
import { clusterFs } from '../postgres/cluster-fs.js';
import { resolveAccount } from '../postgres/privileges.js';
import { type RefillJob, refill } from '../postgres/spares.js';

/**
 * The init that started us is starting its server right now: our copy, database and flush would compete
 * with it for the disk (its start took ~50 ms longer here). Only the next init needs what we make.
 */
const START_AFTER_MS = 500;

/** Internal (`devenv __refill JOB`): started in the background after an init to prepare the next one. */
export default async function refillCommand(jobJson: string): Promise<number> {
  const job = JSON.parse(jobJson) as RefillJob;
  await new Promise((resolve) => setTimeout(resolve, START_AFTER_MS));
  const binaries = findBinaries({ env: { ...process.env, PGRES_BINDIR: job.bindir } });
  const account = job.account ? resolveAccount(job.account, { ...process.env, PGRES_RUN_AS: job.account }) : null;
  await refill(job, binaries, clusterFs(account));
  return 0;
}
