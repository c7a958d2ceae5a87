import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, errnoCode } from '../errors.js';
import { SCHEMA_FILE } from '../util/package-files.js';
import { CONFIG_FILE } from './root.js';
import { checkSchema, type Schema } from './schema-check.js';

export type SettingValue = string | number | boolean;

/** A setup entry: a .sql file or a directory of them (relative to the root), or a shell command. */
export type SetupStep = string | { command: string };

export interface ProcessConfig {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  watch?: string[] | boolean;
  restart?: 'always' | 'on-failure' | 'never';
  port?: number;
  stopGraceMs?: number;
}

export interface Config {
  postgres: {
    version?: number;
    database?: string;
    settings: Record<string, SettingValue>;
    binaries?: string;
    runAs?: string;
    /** Round 2: the database workflow (issue 11), branches (issue 12). */
    databases?: string[];
    role?: string;
    extensions?: string[];
    setup?: SetupStep[];
    tcp?: boolean | number;
    branches?: 'git' | false;
  };
  processes?: Record<string, ProcessConfig>;
  watch: { paths?: string[]; ignore?: string[]; debounceMs?: number };
  /** Absolute path of devenv.json, or null when the project has none. */
  file: string | null;
}

let schemaCache: Schema | undefined;
function schema(): Schema {
  schemaCache ??= JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
  return schemaCache;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    // V8 reports "... at position N" (and newer versions add "(line L column C)").
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? lineColumn(text, Number(pos[1])) : text.trim() === '' ? 'empty file' : 'unexpected end';
    const what = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new UserError(`${file}: invalid JSON at ${where}: ${what}`);
  }
}

export function loadConfig(root: string): Config {
  const file = path.join(root, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { postgres: { settings: {} }, watch: {}, file: null };
    if (errnoCode(err) === 'EISDIR') throw new UserError(`${file} is a directory; it should be a JSON file`);
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const raw = parseJson(text, file);
  const problem = checkSchema(raw, schema());
  if (problem) throw new UserError(`${file}: ${problem}`);
  const obj = raw as Partial<Config>;
  return {
    postgres: { ...obj.postgres, settings: { ...obj.postgres?.settings } },
    processes: obj.processes,
    watch: { ...obj.watch },
    file,
  };
}
