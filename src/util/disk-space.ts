import { readFileSync, statfsSync } from 'node:fs';
import path from 'node:path';

/** Did this error (or a program's output) come from a full filesystem? */
export function isDiskFull(err: unknown): boolean {
  if (typeof err === 'string') return /No space left on device|ENOSPC|could not extend file/i.test(err);
  if (err && typeof err === 'object') {
    if ((err as { code?: unknown }).code === 'ENOSPC') return true;
    if ('message' in err) return isDiskFull(String((err as { message: unknown }).message));
  }
  return false;
}

/** The mount point holding `target`: the longest mount path that is a prefix of it. */
function mountPointOf(target: string): string {
  let best = '/';
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      // Spaces in mount points are written as \040.
      const mnt = (line.split(' ')[1] ?? '').replace(/\\040/g, ' ');
      if (
        mnt &&
        (target === mnt || target.startsWith(mnt.endsWith('/') ? mnt : `${mnt}/`)) &&
        mnt.length > best.length
      ) {
        best = mnt;
      }
    }
  } catch {
    // not Linux: the path itself is all we can name
    return target;
  }
  return best;
}

function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** One line naming the full filesystem and its free space, for whatever was being written at `where`. */
export function diskFullMessage(where: string, what: string): string {
  const target = path.resolve(where);
  let free = '';
  try {
    const st = statfsSync(target);
    free = `, ${size(st.bavail * st.bsize)} free of ${size(st.blocks * st.bsize)}`;
  } catch {
    // the path may be gone already (a cleaned-up work dir): name the filesystem anyway
  }
  return (
    `${what}: the filesystem at ${mountPointOf(target)} ran out of ` +
    `space${free ? ` (now${free.slice(1)})` : ''}; free some space and run again`
  );
}
