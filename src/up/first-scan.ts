// A chokidar watcher's first scan as a promise: `up` says "running" only once its watchers would see an edit.
import type { FSWatcher } from 'chokidar';

/** `done` resolves once `watcher` has made its first scan, or when `cancel` is called (closed before it). */
export function firstScan(watcher: FSWatcher): { done: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    watcher.once('ready', resolve);
    cancel = resolve;
  });
  return { done, cancel };
}
