import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { CLUSTER_BUILD_PREFIX } from '../project/paths.js';
import { deletingName } from '../util/background-delete.js';
import { removeTree } from '../util/remove-tree.js';

/**
 * Internal (`devenv __delete`, the tree's path on stdin): only the tree handed to this very process,
 * moved aside under a name with its pid (util/background-delete.ts). Nothing on stdin: nothing to do.
 */
export default async function deleteCommand(): Promise<number> {
  const target = readFileSync(0, 'utf8').trim();
  if (!target) return 0;
  if (!path.isAbsolute(target) || path.basename(target) !== deletingName(CLUSTER_BUILD_PREFIX, process.pid)) {
    throw new UserError(`__delete deletes only the cluster reset handed to it, not ${target}`);
  }
  removeTree(target);
  return 0;
}
