import {
  closeSync,
  constants,
  fchownSync,
  fstatSync,
  lchownSync,
  lstatSync,
  openSync,
  readdirSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Change `entry` (seen as `seen`) if `from` owns it, through a descriptor opened without following a link
 * and checked to be that same entry, still `from`'s: an entry swapped for a link or for a hard link to
 * someone else's file since it was seen is left alone.
 */
function changeIfOwned(entry: string, seen: Stats, to: { uid: number; gid: number }, from: number): void {
  let fd: number;
  try {
    fd = openSync(entry, OPEN_FLAGS);
  } catch {
    return; // gone, or a link now
  }
  try {
    const now = fstatSync(fd);
    if (now.ino === seen.ino && now.dev === seen.dev && now.uid === from) fchownSync(fd, to.uid, to.gid);
  } finally {
    closeSync(fd);
  }
}

/**
 * `chown -R --from`, which BSD chown lacks: give the entries of the tree that `from` owns to `to`, each
 * directory after its contents, as GNU chown does: directories and regular files through a descriptor
 * (above), anything else (links, FIFOs, sockets) by lchown after checking its owner. That last check and
 * change are two steps, in GNU chown too: on Linux protected_hardlinks keeps `from` from swapping such an
 * entry for a hard link to someone else's file in between; macOS has no such protection (see README,
 * Platforms). Node cannot open relative to a directory descriptor, so the walk goes by path: a directory
 * of the tree swapped for a link meanwhile (by `from`, who owns them) can at worst lead it to other files
 * of `from`'s own. Returns why it failed, or null.
 */
export function chownOwnedBy(
  dir: string,
  dirFd: number,
  to: { uid: number; gid: number },
  from: number,
): string | null {
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const entry = path.join(d, name);
      const seen = lstatSync(entry, { throwIfNoEntry: false });
      if (seen?.isDirectory()) walk(entry);
      if (seen?.isDirectory() || seen?.isFile()) changeIfOwned(entry, seen, to, from);
      else if (seen?.uid === from) lchownSync(entry, to.uid, to.gid);
    }
  };
  try {
    walk(dir);
    if (fstatSync(dirFd).uid === from) fchownSync(dirFd, to.uid, to.gid);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
