import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The git work tree containing `root`, or null (a `.git` dir or file marks it). */
function gitTop(root: string): string | null {
  let dir = root;
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Add `.pgres/` to the project's .gitignore once, when the project is in a git repo. Returns true if added. */
export function ignoreDataDir(root: string): boolean {
  if (!gitTop(root)) return false;
  const file = path.join(root, '.gitignore');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  const already = text.split(/\r?\n/).some((l) => /^\/?\.pgres\/?\*?$/.test(l.trim()));
  if (already) return false;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(file, `${sep}.pgres/\n`);
  return true;
}
