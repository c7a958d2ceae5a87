import { readFileSync, realpathSync } from 'node:fs';
import { hookCacheDir } from '../shell/hook-cache.js';
import { shellByName } from '../shell/registry.js';
import { CLI_MAIN, packageFile } from '../util/package-files.js';
import { stdout } from '../util/terminal.js';

/** `devenv hook bash|zsh|fish`: the hook source with node, our CLI and the cache dir pinned. */
export default async function hook(shellName: string): Promise<void> {
  const shell = shellByName(shellName);
  const source = readFileSync(packageFile(`shell-hooks/${shell.hookFile}`), 'utf8');
  const pinned: Record<string, string> = {
    // Absolute paths: a project's PATH or node version manager never decides what runs in the hook.
    NODE: process.execPath,
    CLI: realpathSync(CLI_MAIN),
    CACHE: hookCacheDir(),
  };
  const text = source.replace(/'@PGRES_([A-Z]+)@'/g, (whole, name: string) =>
    Object.hasOwn(pinned, name) ? shell.quote(pinned[name]) : whole,
  );
  stdout.write(text);
}
