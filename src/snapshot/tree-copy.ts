import { constants, type Dirent, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import { KEEP_IN_PGDATA } from './layout.js';

/**
 * What to copy of a data directory:
 * - 'online': the server runs in backup mode. Leave out what pg_basebackup leaves out (runtime files,
 *   temporary files, WAL: copied separately once the backup has stopped) and tolerate files that
 *   vanish while we copy (a dropped table, a rewritten relation); WAL replay makes the copy consistent.
 * - 'offline': the server is stopped; the same, but an unrecovered backup_label is part of the state.
 * - 'all': an exact copy (a snapshot's files into a restore's staging dir).
 */
export type CopyMode = 'online' | 'offline' | 'all';

/** Top-level entries never copied from a live data directory. */
const RUNTIME_FILES = ['postmaster.pid', 'postmaster.opts', 'current_logfiles', 'postgresql.auto.conf.tmp'];
/** A non-exclusive backup hands back its own label; stale ones in the directory must not come along. */
const LABEL_FILES = ['backup_label', 'tablespace_map', 'backup_label.old', 'tablespace_map.old'];
/** Directories kept but copied empty: their contents are rebuilt at start or meaningless in a copy. */
const EMPTY_DIRS = [
  'pg_stat_tmp',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
];

type Decision = 'copy' | 'skip' | 'empty';

function decide(mode: CopyMode, rel: string, name: string, isDir: boolean): Decision {
  if (mode === 'all') return 'copy';
  const top = !rel.includes('/');
  if (top) {
    if (KEEP_IN_PGDATA.includes(name) || RUNTIME_FILES.includes(name)) return 'skip';
    // The socket's lock file (devenv keeps the socket in the data directory): in a copy it would name a
    // postmaster pid that may be alive again when the copy starts, and postgres would refuse to start.
    if (name.startsWith('.s.PGSQL.')) return 'skip';
    // A live server has no label of its own (non-exclusive backups); an unrecovered copy does, not its .old ones.
    if (LABEL_FILES.includes(name) && (mode === 'online' || name.endsWith('.old'))) return 'skip';
    if (isDir && EMPTY_DIRS.includes(name)) return 'empty';
  }
  // WAL is copied separately, for the range the copy needs; its subdirectories (archive_status) stay.
  if (rel.startsWith('pg_wal/')) return isDir ? 'empty' : 'skip';
  if (isDir && name.startsWith('pgsql_tmp')) return 'empty';
  if (!isDir && name === 'pg_internal.init') return 'skip';
  return 'copy';
}

export interface CopyResult {
  files: number;
  bytes: number;
  /** 'reflink' when the filesystem shared the blocks (clone), 'copy' when they were copied. */
  method: 'reflink' | 'copy';
}

/** Copies in flight: enough to keep libuv's four threads and the disk busy. */
const PARALLEL = 8;

/** One regular file to copy. */
interface FileJob {
  src: string;
  dst: string;
  size: number;
}

/**
 * Copy the tree `from` into the existing empty directory `to`, keeping modes. Files are cloned where
 * the filesystem can (btrfs, XFS…; not APFS, where Node's libuv no longer clones) and copied otherwise.
 * Symlinks are refused: a snapshot must hold its data, not point at it (tablespaces outside the data
 * directory).
 */
export async function copyTree(from: string, to: string, mode: CopyMode): Promise<CopyResult> {
  const files: FileJob[] = [];
  await makeDirs(from, to, '', mode, files);
  return copyFiles(files, mode);
}

/** Make the directories of the tree under `to` (with their modes), and list the files to copy into them. */
async function makeDirs(from: string, to: string, rel: string, mode: CopyMode, files: FileJob[]): Promise<void> {
  const srcDir = path.join(from, rel);
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(srcDir, { withFileTypes: true });
  } catch (err) {
    if (mode !== 'all' && errnoCode(err) === 'ENOENT') return; // removed while we copied
    throw err;
  }
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    const src = path.join(from, childRel);
    const dst = path.join(to, childRel);
    if (e.isSymbolicLink()) {
      throw new UserError(
        rel === 'pg_tblspc'
          ? `the cluster has a tablespace outside .pgres (${src}); snapshots copy only what is inside .pgres`
          : `${src} is a symlink; snapshots copy only real files inside .pgres`,
      );
    }
    const d = decide(mode, childRel, e.name, e.isDirectory());
    if (d === 'skip') continue;
    let st: Stats;
    try {
      st = await fsp.lstat(src);
    } catch (err) {
      if (mode !== 'all' && errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (e.isDirectory()) {
      await fsp.mkdir(dst, { mode: st.mode & 0o7777 });
      await fsp.chmod(dst, st.mode & 0o7777); // mkdir's mode is filtered by the umask
      if (d === 'copy') await makeDirs(from, to, childRel, mode, files);
    } else if (e.isFile()) {
      files.push({ src, dst, size: st.size });
    }
    // Sockets and FIFOs (none in a data directory) are not data: left out.
  }
}

/** Copy the files: the first alone (it tells whether this filesystem clones), then the rest a few at a time. */
async function copyFiles(files: FileJob[], mode: CopyMode): Promise<CopyResult> {
  const result: CopyResult = { files: 0, bytes: 0, method: 'copy' };
  let clone: boolean | null = null;
  const copyOne = async (job: FileJob): Promise<void> => {
    try {
      if (clone === null) {
        // The first file tells whether this filesystem clones; the answer holds for the rest.
        try {
          await fsp.copyFile(job.src, job.dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
          clone = true;
        } catch (err) {
          if (errnoCode(err) === 'ENOENT') throw err;
          clone = false;
          await fsp.rm(job.dst, { force: true });
          await fsp.copyFile(job.src, job.dst, constants.COPYFILE_EXCL);
        }
      } else {
        // FICLONE (not _FORCE) still falls back to a copy for a file the filesystem will not clone.
        await fsp.copyFile(job.src, job.dst, constants.COPYFILE_EXCL | (clone ? constants.COPYFILE_FICLONE : 0));
      }
      result.files++;
      result.bytes += job.size;
    } catch (err) {
      if (mode !== 'all' && errnoCode(err) === 'ENOENT') return;
      throw err;
    }
  };
  if (files.length) await copyOne(files[0]!);
  let next = 1;
  const lane = async () => {
    while (next < files.length) await copyOne(files[next++]!);
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  result.method = clone ? 'reflink' : 'copy';
  return result;
}
