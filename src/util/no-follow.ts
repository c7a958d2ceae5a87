// Opening files and directories without following a symlink at their last component: for root looking
// into a directory that another account controls (it could plant a link to any file of root's).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** O_NONBLOCK: a FIFO planted in place of the file must not hang us in open(). */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Open `file` for reading if it is a regular file reached without a symlink at its end and, when
 * `owner` is given, owned by that uid; otherwise null (absent, a symlink, a FIFO, someone else's).
 * The caller closes the descriptor.
 */
export function openRegular(file: string, owner?: number): { fd: number; stat: Stats } | null {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch {
    return null;
  }
  const stat = fstatSync(fd);
  if (!stat.isFile() || (owner !== undefined && stat.uid !== owner)) {
    closeSync(fd);
    return null;
  }
  return { fd, stat };
}

/** The text of a small file opened as openRegular() does (at most `maxBytes`), or null. */
export function readRegular(file: string, owner?: number, maxBytes = 1 << 20): string | null {
  const opened = openRegular(file, owner);
  if (!opened) return null;
  try {
    const buf = Buffer.alloc(Math.min(opened.stat.size, maxBytes));
    let n = 0;
    while (n < buf.length) {
      const got = readSync(opened.fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Run `fn` on a descriptor of the directory `dir` itself, never of what a symlink there points to
 * (fchown/fchmod through it change exactly that directory). Throws ENOTDIR/ELOOP for anything else.
 */
export function withDirectory<T>(dir: string, fn: (fd: number, stat: Stats) => T): T {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    return fn(fd, fstatSync(fd));
  } finally {
    closeSync(fd);
  }
}
