import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { errnoCode, UserError } from '../errors.js';

export const DOTENV_FILE = '.env';

/** The project's .env as key/value pairs (not applied to our own process), or {} when absent. */
export function readDotenv(root: string): Record<string, string> {
  const file = path.join(root, DOTENV_FILE);
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parse(text);
}
