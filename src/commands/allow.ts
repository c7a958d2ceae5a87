import path from 'node:path';
import { UserError } from '../errors.js';
import { DOTENV_FILE, readDotenvFile } from '../project/dotenv-file.js';
import { requireProjectRoot } from '../project/root.js';
import { HookAnswers } from '../shell/answer-refresh.js';
import { dotenvKeyNotes, sortDotenvKeys } from '../shell/env-plan.js';
import { canonicalRoot, writeTrust } from '../shell/trust.js';
import { stdout } from '../util/terminal.js';

/** `devenv allow`: trust this project's .env exactly as it is now. */
export default async function allow(): Promise<void> {
  const root = canonicalRoot(requireProjectRoot(process.cwd()));
  const dotenv = readDotenvFile(root);
  if (!dotenv) throw new UserError(`nothing to allow: there is no ${path.join(root, DOTENV_FILE)}`);
  const { file, bytes, values } = dotenv;
  // The shells' cached answers as they are before the trust changes, then after it: no node at the next prompt.
  const answers = HookAnswers.verify(root);
  writeTrust(root, bytes, values);
  await answers.settle();
  const sorted = sortDotenvKeys(values);
  const n = sorted.accepted.length;
  stdout.write(
    `devenv: allowed ${file} (${n} key${n === 1 ? '' : 's'}); ` +
      'editing it blocks it again until the next `devenv allow`\n',
  );
  for (const note of dotenvKeyNotes({ ...sorted, shadowed: [] })) stdout.write(`${note}\n`);
}
