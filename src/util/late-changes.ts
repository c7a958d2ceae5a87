// chokidar reports one "change" per file per 50 ms and drops the rest (its throttle), so a save done in
// steps (truncate, then write: many editors and writeFileSync) can be reported at its first step only,
// and whoever reads the file then reads it empty. One more look at each changed file just after that
// window reports the last step when chokidar could not. For the watchers whose readers act on a file's
// content at once (the config files, the git HEAD). Not the apps' watcher: a new instance reads its files
// only once it has booted, after the save's last step but for a save slower than that boot, and a late
// report there restarted it a second time for nothing (under load, in test/up/background).
import { statSync } from 'node:fs';
import type { FSWatcher } from 'chokidar';

/** chokidar's throttle of "change" events of one path (FSWatcher._emit), plus a margin for a busy loop. */
export const LOOK_AGAIN_MS = 60;

/** What a write changes: inode (a rename over it), size, modification time; null when it is gone. */
function version(file: string): string | null {
  const st = statSync(file, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}` : null;
}

export type WatchEvent = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

/**
 * `report` gets every event of `watcher`, plus a "change" for a file that changed again within
 * chokidar's throttle after an "add" or "change" of it (looked at again until it stays the same).
 * Returns the stop, which cancels the looks still to come (call it when closing the watcher).
 */
export function withLateChanges(
  watcher: FSWatcher,
  report: (event: WatchEvent, file: string) => void,
  lookAgainMs = LOOK_AGAIN_MS,
): () => void {
  const pending = new Map<string, { seen: string | null; timer: NodeJS.Timeout }>();
  const watch = (file: string, seen: string | null) => {
    clearTimeout(pending.get(file)?.timer);
    const timer = setTimeout(() => look(file), lookAgainMs);
    timer.unref();
    pending.set(file, { seen, timer });
  };
  const look = (file: string) => {
    const seen = pending.get(file)?.seen;
    pending.delete(file);
    const now = version(file);
    // Gone: chokidar reports the unlink itself. The same: nothing was dropped.
    if (now === null || now === seen) return;
    watch(file, now);
    report('change', file);
  };
  watcher.on('all', (event, file) => {
    // Taken before the report: the reader then sees at least this version.
    if (event === 'add' || event === 'change') watch(file, version(file));
    report(event as WatchEvent, file);
  });
  return () => {
    for (const { timer } of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}
