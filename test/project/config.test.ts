import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, logLimits } from '../../src/project/config.js';
import { tempDir } from '../helpers/project.js';

const base = tempDir('config');
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
/** A project dir holding `text` as its devenv.json. */
function project(text: string): string {
  const dir = path.join(base, String(n++));
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'devenv.json'), text);
  return dir;
}

function problem(text: string): string {
  try {
    loadConfig(project(text));
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('devenv.json parsing', () => {
  test('postgres.version: the number form reads as the string form; a minor stays as written', () => {
    expect(loadConfig(project('{"postgres": {"version": 16}}')).postgres.version).toBe('16');
    expect(loadConfig(project('{"postgres": {"version": "16"}}')).postgres.version).toBe('16');
    expect(loadConfig(project('{"postgres": {"version": "16.10"}}')).postgres.version).toBe('16.10');
    expect(loadConfig(project('{"postgres": {}}')).postgres.version).toBeUndefined();
    expect(problem('{"postgres": {"version": "16.1.2"}}')).toMatch(/postgres\.version: "16\.1\.2" is not a PostgreSQL/);
  });

  test('a UTF-8 byte order mark is accepted', () => {
    const dir = project('\uFEFF{"postgres": {"database": "bom"}}');
    expect(loadConfig(dir).postgres.database).toBe('bom');
  });

  test('absurd nesting is one line with its place, not a stack overflow', () => {
    const msg = problem(`{"watch": ${'['.repeat(100000)}${']'.repeat(100000)}}`);
    expect(msg).toMatch(/devenv\.json: nested deeper than 64 levels at line 1, column \d+/);
  });

  test('brackets inside strings do not count as nesting', () => {
    const dir = project(`{"processes": {"web": {"command": "echo '${'['.repeat(200)}'"}}}`);
    expect(loadConfig(dir).processes?.web?.command).toContain('[[[');
  });

  test.each(['__proto__', 'constructor', 'prototype'])('the key %s is refused wherever it is', (key) => {
    expect(problem(`{"postgres": {"settings": {"${key}": "x"}}}`)).toMatch(`the key "${key}" is not allowed`);
    expect(problem(`{"processes": {"web": {"command": "x", "env": {"${key}": "1"}}}}`)).toMatch(`"${key}"`);
  });
});

describe('postgres.settings cannot undo the socket-only promise', () => {
  test.each([
    ['listen_addresses', '"*"', /postgres\.tcp/],
    ['LISTEN_ADDRESSES', '"0.0.0.0"', /postgres\.tcp/],
    ['port', '5433', /postgres\.tcp/],
    ['unix_socket_directories', '"/tmp"', /socket/],
    ['unix_socket_permissions', '"0777"', /private/],
    ['unix_socket_group', '"users"', /private/],
    ['hba_file', '"/tmp/hba"', /authentication/],
    ['ident_file', '"/tmp/ident"', /authentication/],
    ['data_directory', '"/tmp"', /\.pgres/],
    ['config_file', '"/tmp/x.conf"', /postgresql\.conf/],
    ['include_dir', '"/tmp"', /includes/],
    ['include', '"/tmp/x.conf"', /includes/],
    ['ssl_cert_file', '"/tmp/cert"', /TLS/],
    ['ssl', 'true', /TLS/],
  ])('%s is refused with the key named and what to do', (key, value, hint) => {
    const msg = problem(`{"postgres": {"settings": {"${key}": ${value}}}}`);
    expect(msg).toMatch(`postgres.settings.${key} is decided by devenv`);
    expect(msg).toMatch(hint);
    expect(msg.split('\n')).toHaveLength(1);
  });

  test('ordinary settings pass', () => {
    const dir = project('{"postgres": {"settings": {"work_mem": "16MB", "log_min_duration_statement": 200}}}');
    expect(loadConfig(dir).postgres.settings).toEqual({ work_mem: '16MB', log_min_duration_statement: 200 });
  });
});

describe('database and role names are checked up front', () => {
  test.each([
    ['"database": "a\\nb"', /postgres\.database: "a\\nb" contains a control character/],
    ['"database": "template0"', /postgres\.database: "template0" is one of postgres' template databases/],
    ['"databases": ["ok", "template1"]', /postgres\.databases\[1\]: "template1"/],
    ['"databases": [" padded"]', /starts or ends with a space/],
    ['"role": "app\\tuser"', /postgres\.role: .* control character/],
  ])('%s', (json, expected) => {
    expect(problem(`{"postgres": {${json}}}`)).toMatch(expected);
  });

  test('names postgres stores quoted as written are fine', () => {
    const dir = project('{"postgres": {"database": "My App-db ü", "databases": ["my_app_test"]}}');
    expect(loadConfig(dir).postgres.database).toBe('My App-db ü');
  });
});

describe('logs', () => {
  test('defaults to 10 MiB and two old files; both can be set', () => {
    expect(logLimits(loadConfig(project('{}')))).toEqual({ maxBytes: 10 * 1024 * 1024, keep: 2 });
    expect(logLimits(loadConfig(project('{"logs": {"maxBytes": 65536, "keep": 0}}')))).toEqual({
      maxBytes: 65536,
      keep: 0,
    });
  });

  test.each([
    ['{"logs": {"maxBytes": 10}}', /logs\.maxBytes: must be at least 4096/],
    ['{"logs": {"keep": -1}}', /logs\.keep: must be at least 0/],
    ['{"logs": {"rotate": true}}', /logs/],
  ])('%s is one line saying what is wrong', (text, re) => {
    const msg = problem(text);
    expect(msg).toMatch(re);
    expect(msg.split('\n')).toHaveLength(1);
  });
});
