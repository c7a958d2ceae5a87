import { spawnSync } from 'node:child_process';
import { lstatSync, rmdirSync, rmSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { shAs } from './run-as.js';

const asRoot = () => process.getuid?.() === 0;

/**
 * Delete a file or a directory tree, never through a symlink that someone else could plant in it.
 * Not root: as usual. Root: a directory another account owns is emptied by that account (a child with
 * its uid and gid, so whatever it planted there leads only where it could go anyway), and the empty
 * directory removed here; whatever that leaves, and a root-owned tree, `rm -rf` removes (it descends
 * through directory descriptors and never follows a link). A missing target is fine.
 */
export function removeTree(target: string): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(target);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (!asRoot() || !st.isDirectory()) {
    // A symlink or a file is unlinked itself (rm never follows the last component).
    rmSync(target, { recursive: true, force: true });
    return;
  }
  if (st.uid !== 0) {
    try {
      shAs({ uid: st.uid, gid: st.gid }, 'rm -rf -- "$1"', [target]);
    } catch {
      // The top entry sits in a directory the owner may not write: removed below.
    }
    try {
      rmdirSync(target);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  }
  const r = spawnSync('rm', ['-rf', '--', target], { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`removing ${target} failed: ${(r.stderr ?? '').trim()}`);
}
