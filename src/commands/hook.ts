import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hookCacheDir } from '../shell/hook-cache.js';
import { shellByName } from '../shell/registry.js';
import { stdout } from '../util/terminal.js';

const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** `devenv hook bash|zsh|fish`: the hook source with node, our CLI and the cache dir pinned. */
export default async function hook(shellName: string): Promise<void> {
  const shell = shellByName(shellName);
  const source = readFileSync(new URL(`shell-hooks/${shell.hookFile}`, PACKAGE_ROOT), 'utf8');
  const pinned: Record<string, string> = {
    // Absolute paths: a project's PATH or node version manager never decides what runs in the hook.
    NODE: process.execPath,
    CLI: realpathSync(fileURLToPath(new URL('dist/bundle/main.js', PACKAGE_ROOT))),
    CACHE: hookCacheDir(),
  };
  const text = source.replace(/'@PGRES_([A-Z]+)@'/g, (whole, name: string) =>
    Object.hasOwn(pinned, name) ? shell.quote(pinned[name]) : whole,
  );
  stdout.write(text);
}
