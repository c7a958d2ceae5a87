import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Write a whole file so that readers see the old content or the new, never half of it: write a
 * temporary file beside it (a fresh name no concurrent writer shares, created exclusively, so
 * nothing planted there is followed), then rename it over the target.
 */
export function writeFileAtomic(
  file: string,
  data: string | Buffer,
  opts: { mode?: number; mkdir?: boolean } = {},
): void {
  if (opts.mkdir) mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: opts.mode, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
