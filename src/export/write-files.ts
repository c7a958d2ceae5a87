// Writes an export into its directory: all or nothing when files are in the way, generated files
// replaced only with --force, and a file that holds the user's own values (the environment file)
// never replaced at all.
import {
  closeSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import type { ExportFile } from './export-file.js';

export interface WriteReport {
  written: string[];
  /** Existing files left alone because they may hold the user's values. */
  kept: string[];
}

function existing(file: string): 'none' | 'file' | 'other' {
  try {
    const st = lstatSync(file);
    return st.isFile() || st.isSymbolicLink() ? 'file' : 'other';
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 'none';
    throw err;
  }
}

/** Create `file` with `content`; false when it already exists (never follows or replaces it). */
function createExclusive(file: string, content: string, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, mode);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Replace `file` by renaming a new file over it: a symlink there is replaced, not followed. */
function replace(file: string, content: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  rmSync(tmp, { force: true });
  createExclusive(tmp, content, mode);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeExportFiles(
  dir: string,
  files: ExportFile[],
  opts: { force: boolean; shown: string },
): WriteReport {
  let st: Stats | undefined;
  try {
    st = statSync(dir);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (st && !st.isDirectory()) throw new UserError(`${opts.shown} is not a directory; choose another --out`);
  const conflicts: string[] = [];
  for (const f of files) {
    const state = existing(path.join(dir, f.name));
    if (state === 'other')
      throw new UserError(`${path.join(opts.shown, f.name)} exists and is not a file; move it away`);
    if (state === 'file' && !f.keepExisting && !opts.force) conflicts.push(f.name);
  }
  if (conflicts.length > 0) {
    const kept = files.filter((f) => f.keepExisting).map((f) => f.name);
    throw new UserError(
      `${opts.shown} already has ${conflicts.join(', ')}; pass --force to overwrite ` +
        `${conflicts.length > 1 ? 'them' : 'it'}${kept.length ? ` (${kept.join(', ')} is never overwritten)` : ''}, ` +
        `or choose another --out`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const report: WriteReport = { written: [], kept: [] };
  for (const f of files) {
    const file = path.join(dir, f.name);
    if (f.keepExisting) {
      (createExclusive(file, f.content, f.mode) ? report.written : report.kept).push(f.name);
    } else {
      replace(file, f.content, f.mode);
      report.written.push(f.name);
    }
  }
  return report;
}
