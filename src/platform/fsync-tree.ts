import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Files flushed at once: enough to keep libuv's four threads and the disk busy. */
const PARALLEL = 8;

/** fsync every directory and regular file of the tree (the directories too: they hold the names). */
export async function fsyncTree(root: string): Promise<void> {
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
