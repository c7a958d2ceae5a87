// `devenv exec` and `devenv up` apply the project's .env in full, allowed or not (like foreman): they
// run the project's own code anyway. The shell hook is stricter: it loads an allowed .env only, and
// never the keys that could run code in the shell. When the two differ on something that matters, say it.
import { DOTENV_FILE, readDotenvFile } from '../project/dotenv-file.js';
import { isBlockedKey } from './env-plan.js';
import { canonicalRoot, checkTrust } from './trust.js';

/** One line when .env is not allowed and sets keys the hook would block; null otherwise. */
export function unallowedDotenvNote(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dotenv = readDotenvFile(root);
  if (!dotenv) return null;
  const blocked = Object.keys(dotenv.values).filter(isBlockedKey);
  if (blocked.length === 0) return null;
  if (checkTrust(canonicalRoot(root), dotenv.bytes, dotenv.values, env).status === 'trusted') return null;
  return (
    `${DOTENV_FILE} is not allowed and sets ${blocked.join(', ')}, which the shell hook never loads; ` +
    'devenv exec and devenv up apply the whole file anyway (check it, then `devenv allow`)'
  );
}
