import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { errnoCode, errorMessage, UserError } from '../errors.js';

export const DOTENV_FILE = '.env';

/** A project's .env as read once: its bytes, and what exactly those bytes parse to. */
export interface DotenvFile {
  file: string;
  /** What trust hashes: the same bytes `values` came from, so what was allowed is what gets used. */
  bytes: Buffer;
  values: Record<string, string>;
}

/** The project's .env (not applied to our own process), or null when there is none. */
export function readDotenvFile(root: string): DotenvFile | null {
  const file = path.join(root, DOTENV_FILE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new UserError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  return { file, bytes, values: parse(bytes) };
}

/** The project's .env values, {} when there is none. */
export function readDotenv(root: string): Record<string, string> {
  return readDotenvFile(root)?.values ?? {};
}
