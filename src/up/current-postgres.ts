// The binaries `up` starts postgres with. A cluster can change major while `up` holds postgres stopped
// (`devenv upgrade`, or a snapshot restore of another major, through the control channel): the next
// start then looks for the binaries of the major its files are now, as any command would.
import { dataDirMajor } from '../postgres/cluster.js';
import { type PreparedPostgres, preparePostgres } from '../postgres/prepare.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import type { LiveProject } from './live-project.js';

export function currentPostgres(first: PreparedPostgres, live: LiveProject): () => PreparedPostgres {
  let pg = first;
  return () => {
    const major = dataDirMajor(live.current.paths.pgdata);
    if (major !== null && major !== pg.binaries.major) pg = preparePostgres(live.current, checkNoInterruptedSwap);
    return pg;
  };
}
