import path from 'node:path';
import { UserError } from '../errors.js';
import { renderHookEnv } from '../shell/hook-answer.js';
import { shellByName } from '../shell/registry.js';
import { stdout } from '../util/terminal.js';

/** Internal: what the shell hook runs when its cached answer for a project is missing or stale. */
export default async function hookEnv(shellName: string, cacheDir: string, root: string): Promise<void> {
  const shell = shellByName(shellName);
  if (!path.isAbsolute(cacheDir) || !path.isAbsolute(root)) {
    throw new UserError(
      'hook-env is run by the shell hook: devenv hook-env SHELL CACHE_DIR PROJECT_ROOT (absolute paths)',
    );
  }
  stdout.write(renderHookEnv(shell, cacheDir, root));
}
