import { fchmodSync, fchownSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { errnoCode, UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { withDirectory } from '../util/no-follow.js';
import type { ClusterFs } from './cluster-fs.js';

/**
 * Make sure the short per-project socket dir (used when the project path is
 * too long for a Unix socket) is a real 0700 dir owned by whoever runs postgres.
 */
export function ensureSocketDir(paths: ProjectPaths, { account }: ClusterFs): void {
  if (!paths.socketDirIsShort) return;
  const dir = paths.socketDir;
  const uid = account ? account.uid : process.getuid!();
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    mkdirSync(dir, { mode: 0o700 });
    if (account) withDirectory(dir, (fd) => fchownSync(fd, account.uid, account.gid));
    return;
  }
  if (st.isSymbolicLink())
    throw new UserError(
      `socket directory ${dir} is a symlink; refusing to use it (someone may be intercepting connections). ` +
        'Remove it and run again',
    );
  if (!st.isDirectory())
    throw new UserError(`socket directory ${dir} exists and is not a directory; remove it and run again`);
  if (st.uid !== uid)
    throw new UserError(
      `socket directory ${dir} belongs to uid ${st.uid}, not ${uid}; refusing to use it. Remove it and run again`,
    );
  // Through the directory's own descriptor: the account owns it and could have put a symlink there since.
  if ((st.mode & 0o777) !== 0o700) {
    withDirectory(dir, (fd, now) => {
      if (now.uid === uid) fchmodSync(fd, 0o700);
    });
  }
}

/** Remove the short socket dir if it is ours (a real dir holding only socket files). */
export function removeSocketDir(paths: ProjectPaths, fs: ClusterFs): boolean {
  if (!paths.socketDirIsShort) return false;
  const dir = paths.socketDir;
  try {
    const st = lstatSync(dir);
    const uid = fs.account ? fs.account.uid : process.getuid!();
    if (!st.isDirectory() || st.uid !== uid) return false;
    if (!readdirSync(dir).every((n) => n.startsWith('.s.PGSQL.'))) return false;
    fs.removeTree(dir);
    return true;
  } catch {
    return false;
  }
}
