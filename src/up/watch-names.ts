// A few names in one directory watched, as the config reload (devenv.json, .env, the Procfile) and the git
// HEAD watch need: a rename over a name (an editor's atomic save, git's HEAD.lock) is a change of it, a
// save in steps is reported at its last step too (withLateChanges), and `watching` tells when an edit
// would be seen: `up` says "running" only after it.
import { watch } from 'chokidar';
import { withLateChanges } from '../util/late-changes.js';

export interface NamesWatch {
  /** Resolves once the first scan is done (or the watch was closed before it). */
  watching: Promise<void>;
  close(): Promise<void>;
}

/** Watch the files of `dir` that `wanted` picks (full paths); `onChange` gets each one that changes. */
export function watchNames(
  dir: string,
  wanted: (file: string) => boolean,
  onChange: (file: string) => void,
  onError: (err: unknown) => void,
): NamesWatch {
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, atomic: true, ignored: (p) => p !== dir && !wanted(p) });
  const stopLooks = withLateChanges(watcher, (_event, file) => onChange(file));
  watcher.on('error', onError);
  let scanned = () => {};
  const watching = new Promise<void>((resolve) => {
    watcher.once('ready', resolve);
    scanned = resolve;
  });
  return {
    watching,
    close: async () => {
      scanned();
      stopLooks();
      await watcher.close();
    },
  };
}
