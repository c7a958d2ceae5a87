import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DependencyCondition, RestartPolicy } from '../app-definition.js';
import { errnoCode, UserError } from '../errors.js';
import { schemaFile } from '../util/package-files.js';
import { shown } from '../util/show.js';
import { configTextProblem, textProblem } from './config-text.js';
import { normalizeVersion } from './postgres-version.js';
import { CONFIG_FILE } from './root.js';
import { checkSchema, type Schema } from './schema-check.js';
import { refusedSetting } from './settings-policy.js';

export type SettingValue = string | number | boolean;

/** A setup entry: a .sql file or a directory of them (relative to the root), or a shell command. */
export type SetupStep = string | { command: string };

/** devenv.json `processes.*.ready`: exactly one of http, tcp, command, log (checked in ready-config.ts). */
export interface ReadyConfig {
  http?: string;
  tcp?: number;
  command?: string;
  log?: string;
  intervalMs?: number;
  timeoutMs?: number;
}

export interface ProcessConfig {
  /** Absent: settings for the Procfile's process of that name (see process-overlay.ts). */
  command?: string;
  cwd?: string;
  env?: Record<string, string>;
  watch?: string[] | boolean;
  restart?: RestartPolicy;
  port?: number;
  stopGraceMs?: number;
  dependsOn?: Record<string, DependencyCondition>;
  ready?: ReadyConfig;
}

export interface Config {
  postgres: {
    /** postgres.version, canonical: "16" or "16.10" (the number 16 older files use reads as "16"). */
    version?: string;
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
  /** How far the logs `devenv up` writes may grow (logLimits has the defaults); optional for Configs built in code. */
  logs?: { maxBytes?: number; keep?: number };
  /** Absolute path of devenv.json, or null when the project has none. */
  file: string | null;
}

/** Each log is rotated at 10 MiB, and two rotated files are kept: at most ~30 MiB per process. */
export const DEFAULT_LOG_LIMITS = { maxBytes: 10 * 1024 * 1024, keep: 2 };

export function logLimits(config: Config): { maxBytes: number; keep: number } {
  return {
    maxBytes: config.logs?.maxBytes ?? DEFAULT_LOG_LIMITS.maxBytes,
    keep: config.logs?.keep ?? DEFAULT_LOG_LIMITS.keep,
  };
}

let schemaCache: Schema | undefined;
function schema(): Schema {
  schemaCache ??= JSON.parse(readFileSync(schemaFile(), 'utf8')) as Schema;
  return schemaCache;
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** devenv.json is a small file: anything nested deeper is a mistake (and would exhaust the checker's stack). */
const MAX_DEPTH = 64;

/** Where the nesting first goes deeper than MAX_DEPTH (a character offset), or -1. Strings are skipped. */
function tooDeepAt(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > MAX_DEPTH) return i;
    } else if (c === '}' || c === ']') depth--;
  }
  return -1;
}

/** Keys that mean something to JavaScript objects: never configuration. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function parseJson(text: string, file: string): unknown {
  const deep = tooDeepAt(text);
  if (deep !== -1) {
    throw new UserError(
      `${file}: nested deeper than ${MAX_DEPTH} levels at ${lineColumn(text, deep)}; devenv.json is a small, flat file`,
    );
  }
  try {
    return JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKey(key);
      return value;
    });
  } catch (err) {
    if (err instanceof ForbiddenKey) {
      throw new UserError(`${file}: the key "${err.key}" is not allowed anywhere in devenv.json; remove it`);
    }
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
    // Editors on Windows may save with a byte order mark: it is not part of the JSON.
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { postgres: { settings: {} }, watch: {}, file: null };
    if (errnoCode(err) === 'EISDIR') throw new UserError(`${file} is a directory; it should be a JSON file`);
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const raw = parseJson(text, file);
  const problem = checkSchema(raw, schema());
  if (problem) throw new UserError(`${file}: ${problem}`);
  const obj = raw as Partial<Config>;
  const refused = checkPostgresKeys(obj.postgres) ?? configTextProblem(obj);
  if (refused) throw new UserError(`${file}: ${refused}`);
  const version = obj.postgres?.version === undefined ? {} : { version: normalizeVersion(obj.postgres.version)! };
  return {
    postgres: { ...obj.postgres, ...version, settings: { ...obj.postgres?.settings } },
    processes: obj.processes,
    watch: { ...obj.watch },
    logs: { ...obj.logs },
    file,
  };
}

/** Names postgres would accept only quoted, or not at all; reserved templates; settings devenv decides. */
function checkPostgresKeys(pg: Partial<Config['postgres']> | undefined): string | null {
  if (!pg) return null;
  for (const key of Object.keys(pg.settings ?? {})) {
    const why = refusedSetting(key);
    if (why) return `postgres.settings.${key} is decided by devenv, not by devenv.json: ${why}`;
  }
  const names: [string, string | undefined][] = [
    ['postgres.database', pg.database],
    ...(pg.databases ?? []).map((d, i): [string, string] => [`postgres.databases[${i}]`, d]),
  ];
  for (const [where, name] of names) {
    const problem = name === undefined ? null : databaseNameProblem(name);
    if (problem) return `${where}: ${problem}`;
  }
  if (pg.role !== undefined) {
    const problem = identifierProblem(pg.role);
    if (problem) return `postgres.role: ${problem}`;
  }
  // Extension names are identifiers too (CREATE EXTENSION "name"), and exports write them into comments.
  for (const [i, ext] of (pg.extensions ?? []).entries()) {
    const problem = identifierProblem(ext);
    if (problem) return `postgres.extensions[${i}]: ${problem}`;
  }
  return null;
}

/** A name postgres stores as written (we always quote it): printable, no surrounding spaces, ≤ 63 bytes. */
export function identifierProblem(name: string): string | null {
  if (name === '') return 'must not be empty';
  const text = textProblem(name, 'name');
  if (text) return text;
  if (name.trim() !== name) return `${shown(name)} starts or ends with a space`;
  if (Buffer.byteLength(name) > 63) return `${shown(name)} is longer than 63 bytes (postgres would cut it)`;
  return null;
}

export function databaseNameProblem(name: string): string | null {
  if (name === 'template0' || name === 'template1') {
    return `"${name}" is one of postgres' template databases, not a database for a project; choose another name`;
  }
  return identifierProblem(name);
}
