import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Bytes on disk under a directory (not following symlinks); what cannot be read is not counted. */
export function treeBytes(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    total += st.blocks !== undefined ? st.blocks * 512 : st.size;
    if (!st.isDirectory()) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      // unreadable: count what we can
    }
    for (const n of names) walk(path.join(p, n));
  };
  walk(dir);
  return total;
}
