// Flushing a tree to disk: one syncfs(2) of its filesystem where possible.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Files fsynced at once by the fallback. */
const PARALLEL = 8;

/**
 * Flush a tree to disk (a snapshot must survive a power cut once it is listed; a new cluster, once it is
 * published). syncfs(2) of the filesystem (`sync -f`, GNU coreutils) is one call and ~10× faster here
 * than an fsync per file, which remains the fallback (macOS, BusyBox).
 */
export async function syncTree(root: string): Promise<void> {
  const synced = await new Promise<boolean>((resolve) => {
    const child = spawn('sync', ['-f', root], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
  if (!synced) await fsyncEach(root);
}

async function fsyncEach(root: string): Promise<void> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    paths.push(dir);
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) paths.push(p);
    }
  };
  await walk(root);
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const fh = await fsp.open(paths[next++]!, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
}
