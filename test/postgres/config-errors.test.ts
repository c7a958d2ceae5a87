// Mistakes in devenv.json, the environment or the command line: one clear line, nothing started or deleted.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cleanupProject, devenv, tempDir } from '../helpers/project.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('preflight');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

describe('configuration errors are one clear line', () => {
  test('invalid JSON names file, line and column', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{\n  "postgres": {\n    "version": 16,\n  }\n}\n');
    const r = await devenv(dir, ['env']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/devenv\.json: invalid JSON at line 4, column 3/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('unknown and ill-typed keys name the key path', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { verison: 16 } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.verison: unknown key/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: '16.x' } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.version: "16\.x" is not a PostgreSQL major/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: 9 } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.version: must be at least 10, got 9/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ processes: { web: { comand: 'x' } } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(
      /processes\.web\.comand: unknown key, did you mean "command"\?/,
    );
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('$schema is accepted and postgres.settings apply at start', async () => {
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({
        $schema: './node_modules/devenv-postgres/dist/devenv.schema.json',
        postgres: { settings: { work_mem: '7MB', application_name: "it's" } },
      }),
    );
    expect((await devenv(dir, ['init'])).code).toBe(0);
    const q = await devenv(dir, ['psql', '-XAt', '-c', 'show work_mem']);
    expect(q.stdout.trim()).toBe('7MB');
    // Edits apply at the next start without re-init.
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { settings: { work_mem: '9MB' } } }));
    expect((await devenv(dir, ['psql', '-XAt', '-c', 'show work_mem'])).stdout.trim()).toBe('9MB');
    // They are postgres' command line: they win over ALTER SYSTEM, devenv's connection settings above all.
    const alter = ["alter system set listen_addresses = '*'", "alter system set work_mem = '1MB'"];
    expect((await devenv(dir, ['psql', '-X', ...alter.flatMap((c) => ['-c', c])])).code).toBe(0);
    const shown = await devenv(dir, ['psql', '-XAt', '-c', 'show listen_addresses', '-c', 'show work_mem']);
    expect(shown.stdout).toBe('\n9MB\n');
  });

  test('settings that would open the server to others are refused before anything starts', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{"postgres": {"settings": {"listen_addresses": "*"}}}');
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/postgres\.settings\.listen_addresses is decided by devenv.*postgres\.tcp/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('a database name with a newline is refused up front', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{"postgres": {"database": "app\\nCHECKPOINT"}}');
    const r = await devenv(dir, ['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/postgres\.database: "app\\nCHECKPOINT" contains a control character/);
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('outside a project: a clear error, nothing created', async () => {
    for (const cmd of [['status'], ['psql'], ['env'], ['reset', '-y'], ['exec', '--', 'true']]) {
      const r = await devenv(dir, cmd);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/not inside a devenv project .* run `devenv init`/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  test('binaries that do not exist: where we looked and what to do', async () => {
    const r = await devenv(dir, ['init'], { env: { PGRES_BINDIR: '/nonexistent/bin' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PGRES_BINDIR points at \/nonexistent\/bin, which has no initdb/);
  });

  test('reset without a TTY and without --yes refuses and deletes nothing', async () => {
    expect((await devenv(dir, ['init'])).code).toBe(0);
    const r = await devenv(dir, ['reset']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/devenv reset --yes/);
    expect(existsSync(path.join(dir, '.pgres', 'PG_VERSION'))).toBe(true);
  });
});
