// Deleting a directory tree as it is moved out of the way (`reset`'s old cluster): a detached
// `devenv __delete` deletes it, so the command returns at once (a cluster's ~1000 files take 0.1–0.7 s
// here). The tree is renamed after the deleter, `<prefix><deleter's pid>-deleting`, before we return:
// while the deleter lives, removeOrphanDirs (an init right after) leaves the tree to it; if it dies,
// the next init removes what is left. Nothing appears in the parent once we have returned (an `rm -rf`
// of the project right after must not meet a new entry). The deleter learns the name on its stdin.
import { type ChildProcess, spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { ownNodeEnv } from './node-env.js';
import { CLI_MAIN } from './package-files.js';
import { removeTree } from './remove-tree.js';

/** The name a tree being deleted by process `pid` has in its parent. */
export function deletingName(prefix: string, pid: number): string {
  return `${prefix}${pid}-deleting`;
}

function startDeleter(): ChildProcess | null {
  try {
    const child = spawn(process.execPath, [CLI_MAIN, '__delete'], {
      cwd: '/',
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: ownNodeEnv(process.env),
    });
    child.on('error', () => undefined);
    return child.pid ? child : null;
  } catch {
    return null;
  }
}

/** Move `dir` aside in its parent and delete it: in the background when a deleter starts, else here. */
export async function moveAsideAndDelete(dir: string, prefix: string): Promise<void> {
  const child = startDeleter();
  const aside = path.join(path.dirname(dir), deletingName(prefix, child?.pid ?? process.pid));
  let moved = false;
  try {
    renameSync(dir, aside);
    moved = true;
  } finally {
    if (child) {
      // The name, or nothing when the rename failed: it then ends at once.
      await new Promise<void>((resolve) => {
        child.stdin!.on('error', () => resolve());
        child.stdin!.end(moved ? aside : '', () => resolve());
      });
      child.unref();
    }
  }
  if (!child) {
    removeTree(aside);
    return;
  }
  // Behind whatever the user starts next (an `up` right after `reset`).
  try {
    setPriority(child.pid!, 10);
  } catch {
    // only speed is lost
  }
}
