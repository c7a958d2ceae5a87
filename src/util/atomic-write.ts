import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let written = 0;

/**
 * Write a whole file so that readers see the old content or the new, never half of it: write a
 * temporary file beside it (a fresh name no concurrent writer shares, created exclusively, so
 * nothing planted there is followed), then rename it over the target. The name needs to be unique,
 * not secret (pid, a count, Math.random): node:crypto would cost ~3.5 ms to load here.
 */
export function writeFileAtomic(
  file: string,
  data: string | Buffer,
  opts: { mode?: number; mkdir?: boolean } = {},
): void {
  if (opts.mkdir) mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${++written}-${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: opts.mode, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
