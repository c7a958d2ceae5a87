// A small tmpfs stands in for a full disk. Mounting needs root (CI is root); where it is not
// allowed, the tests skip saying so (need('tmpfs')), and under CI they fail instead.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { IS_ROOT, tempDir } from './project.js';

export function mountTmpfs(dir: string, size: string, remount = false): boolean {
  const opts = `${remount ? 'remount,' : ''}size=${size},mode=755`;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

/** Why this machine cannot mount a tmpfs for us (for the skip line), or null when it can. */
export function tmpfsUnavailable(): string | null {
  if (!IS_ROOT) return 'mounting a tmpfs needs root (CI runs as root)';
  const probe = tempDir('smalldisk-probe');
  const ok = mountTmpfs(probe, '1m');
  if (ok) unmount(probe);
  rmSync(probe, { recursive: true, force: true });
  return ok ? null : 'mounting a tmpfs is not allowed here';
}

/** Write zeros into `file` until the filesystem is full (to the last block). */
export function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const block = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, block);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
