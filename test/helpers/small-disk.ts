// A small tmpfs stands in for a full disk. Mounting needs root (CI is root); where it is not
// allowed, the tests skip saying so (need('tmpfs')), and under CI they fail instead.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mountOf } from '../../src/platform/linux.js';
import { IS_ROOT, tempDir } from './project.js';

export function mountTmpfs(dir: string, size: string, remount = false): boolean {
  const opts = `${remount ? 'remount,' : ''}size=${size},mode=755`;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

const mounted = (dir: string) => mountOf(dir, readFileSync('/proc/mounts', 'utf8')) === dir;

/**
 * Unmount a test's tmpfs once nothing uses it any more: a process of the test may still be leaving it
 * (on a loaded machine a stopped server's last child takes a moment). Still busy after `waitMs`: what
 * holds it is a leftover of the test, and the error names it.
 */
export async function unmountWhenFree(dir: string, waitMs = 15000): Promise<void> {
  const until = Date.now() + waitMs;
  while (mounted(dir)) {
    const r = spawnSync('umount', [dir], { encoding: 'utf8' });
    if (r.status === 0) return;
    if (Date.now() > until) {
      const holders = spawnSync('lsof', ['--', dir], { encoding: 'utf8' }).stdout;
      throw new Error(`${dir} is still in use after ${waitMs} ms: ${r.stderr.trim()}\n${holders}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
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
