import { findBinaries } from '../postgres/binaries.js';
import { clusterFs } from '../postgres/cluster-fs.js';
import { resolveAccount } from '../postgres/privileges.js';
import { type RefillJob, refill } from '../postgres/spares.js';

/** Internal (`devenv __refill JOB`): started in the background after an init to prepare the next one. */
export default async function refillCommand(jobJson: string): Promise<number> {
  const job = JSON.parse(jobJson) as RefillJob;
  const binaries = findBinaries({ env: { ...process.env, PGRES_BINDIR: job.bindir } });
  const account = job.account ? resolveAccount(job.account, { ...process.env, PGRES_RUN_AS: job.account }) : null;
  await refill(job, binaries, clusterFs(account));
  return 0;
}
