import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROCESS_NAME } from '../../src/app-definition.js';
import { checkSchema, type Schema } from '../../src/project/schema-check.js';
import { schemaFile } from '../../src/util/package-files.js';

const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as Schema;

describe('checkSchema', () => {
  it('names the first problem by key path', () => {
    const s: Schema = {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 4 },
        port: { type: 'integer', minimum: 1, maximum: 9 },
        tags: { type: 'array', items: { type: 'string' } },
        mode: { enum: ['a', 'b'] },
        watch: { oneOf: [{ type: 'array' }, { type: 'boolean' }] },
      },
    };
    expect(checkSchema({ name: 'x' }, s)).toBeNull();
    expect(checkSchema([], s)).toBe('(top level): expected object, got array []');
    expect(checkSchema({}, s)).toBe('(top level): missing required key "name"');
    expect(checkSchema({ name: '' }, s)).toBe('name: must not be empty');
    expect(checkSchema({ name: 'ééé' }, s)).toBe('name: must be at most 4 bytes');
    expect(checkSchema({ name: 'x', port: 1.5 }, s)).toBe('port: expected integer, got number 1.5');
    expect(checkSchema({ name: 'x', port: 10 }, s)).toBe('port: must be at most 9, got 10');
    expect(checkSchema({ name: 'x', port: 0 }, s)).toBe('port: must be at least 1, got 0');
    expect(checkSchema({ name: 'x', tags: ['a', 2] }, s)).toBe('tags[1]: expected string, got integer 2');
    expect(checkSchema({ name: 'x', mode: 'c' }, s)).toBe('mode: must be one of "a", "b", got "c"');
    expect(checkSchema({ name: 'x', watch: 'src' }, s)).toBe('watch: expected array or boolean, got "src"');
    expect(checkSchema({ name: 'x', nmae: 1 }, s)).toBe(
      'nmae: unknown key, did you mean "name"? (known: name, port, tags, mode, watch)',
    );
  });

  it('checks property names and values of open objects', () => {
    const s: Schema = {
      type: 'object',
      propertyNames: { pattern: '^[a-z]+$' },
      additionalProperties: { type: 'number' },
    };
    expect(checkSchema({ ok: 1 }, s)).toBeNull();
    expect(checkSchema({ Bad: 1 }, s)).toBe('Bad: invalid name (must match ^[a-z]+$)');
    expect(checkSchema({ ok: 'x' }, s)).toBe('ok: expected number, got string "x"');
  });

  it("checks string patterns, and says the problem of the one alternative of the value's type", () => {
    const s: Schema = {
      oneOf: [
        { type: 'string', pattern: '^[a-z]+$', description: 'lower-case letters' },
        { type: 'integer', minimum: 1 },
      ],
    };
    expect(checkSchema('abc', s)).toBeNull();
    expect(checkSchema(2, s)).toBeNull();
    expect(checkSchema('ABC', s)).toBe('(top level): "ABC" is not lower-case letters');
    expect(checkSchema(0, s)).toBe('(top level): must be at least 1, got 0');
    expect(checkSchema(false, s)).toBe('(top level): expected string or integer, got false');
    expect(checkSchema('x1', { type: 'string', pattern: '^x$' })).toBe('(top level): "x1" is not of the form ^x$');
  });

  it('shortens long values in messages', () => {
    expect(checkSchema('x'.repeat(100), { type: 'number' })).toBe(
      `(top level): expected number, got string "${'x'.repeat(36)}...`,
    );
  });
});

describe('devenv.schema.json', () => {
  it('accepts the README example and refuses what the README says it refuses', () => {
    const example = {
      $schema: './node_modules/devenv/src/project/devenv.schema.json',
      postgres: {
        version: 16,
        database: 'myapp',
        settings: { work_mem: '16MB' },
        binaries: 'system',
        runAs: 'postgres',
      },
      processes: {
        web: { command: 'npm run dev', port: 3000, watch: ['src'], restart: 'on-failure' },
        worker: { command: 'node worker.js', cwd: 'worker', env: { QUEUE: 'default' } },
      },
      watch: { paths: ['.'], ignore: ['tmp/'], debounceMs: 100 },
    };
    expect(checkSchema(example, schema)).toBeNull();
    expect(checkSchema({ processes: { web: { cmd: 'x' } } }, schema)).toMatch(/^processes\.web/);
    expect(checkSchema({ processes: { web: { command: 'x', restart: 'sometimes' } } }, schema)).toMatch(
      /^processes\.web\.restart: must be one of/,
    );
    expect(checkSchema({ postgres: { version: 'fifteen' } }, schema)).toBe(
      'postgres.version: "fifteen" is not a PostgreSQL major ("16") or major.minor ("16.10"), 10 or later',
    );
    for (const version of ['16', '16.10', '10.0', 18, 10])
      expect(checkSchema({ postgres: { version } }, schema)).toBeNull();
    for (const version of ['9.6', '16.', '016', '16.10.1', ' 16', true, 16.5]) {
      expect(checkSchema({ postgres: { version } }, schema)).toMatch(/^postgres\.version: /);
    }
  });

  it('spells the process name rule exactly as the code does', () => {
    const processes = schema.properties?.processes as Schema;
    expect(processes.propertyNames?.pattern).toBe(PROCESS_NAME.source);
    expect(checkSchema({ processes: { 'web.1': { command: 'x' } } }, schema)).toMatch(
      /^processes\.web\.1: invalid name/,
    );
  });
});
