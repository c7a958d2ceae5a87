import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { errnoCode, UserError } from '../errors.js';
import { DOTENV_FILE } from '../project/dotenv-file.js';
import { requireProjectRoot } from '../project/root.js';
import { dotenvKeyNotes, sortDotenvKeys } from '../shell/env-diff.js';
import { canonicalRoot, writeTrust } from '../shell/trust.js';

/** `devenv allow`: trust this project's .env exactly as it is now. */
export default async function allow(): Promise<void> {
  const root = canonicalRoot(requireProjectRoot(process.cwd()));
  const file = path.join(root, DOTENV_FILE);
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new UserError(`nothing to allow: there is no ${file}`);
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const values = parse(content);
  writeTrust(root, content, values);
  const sorted = sortDotenvKeys(values);
  const n = sorted.accepted.length;
  process.stdout.write(
    `devenv: allowed ${file} (${n} key${n === 1 ? '' : 's'}); editing it blocks it again until the next \`devenv allow\`\n`,
  );
  for (const note of dotenvKeyNotes({ ...sorted, shadowed: [] })) process.stdout.write(`${note}\n`);
}
