import path from 'node:path';
import { DOTENV_FILE } from '../project/dotenv-file.js';
import { requireProjectRoot } from '../project/root.js';
import { HookAnswers } from '../shell/answer-refresh.js';
import { canonicalRoot, removeTrust } from '../shell/trust.js';
import { stdout } from '../util/terminal.js';

/** `devenv deny`: stop trusting this project's .env (shells drop its values at the next prompt). */
export default async function deny(): Promise<void> {
  const root = canonicalRoot(requireProjectRoot(process.cwd()));
  const file = path.join(root, DOTENV_FILE);
  const answers = HookAnswers.verify(root);
  const removed = removeTrust(root);
  await answers.settle();
  stdout.write(removed ? `devenv: denied ${file}\n` : `devenv: ${file} was not allowed; nothing to revoke\n`);
}
