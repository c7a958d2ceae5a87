// A small tmpfs stands in for a full disk; mounting needs root (CI is root): where it is not allowed the
// tests skip saying so, and under CI they fail (need('tmpfs')).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cleanupProject, devenv, postgresProcessesUnder, tempDir } from '../helpers/project.js';
import { mountTmpfs as mount, unmountWhenFree } from '../helpers/small-disk.js';
import { needForEach } from '../helpers/tools.js';

const canMount = needForEach('tmpfs');

let outer: string;
let dir: string;
beforeAll(async () => {
  if (!canMount) return;
  // The template cache lives outside the small filesystem: make sure it has a template.
  const warm = tempDir('diskfull-warm');
  expect((await devenv(warm, ['init'])).code).toBe(0);
  await cleanupProject(warm);
});
afterEach(async () => {
  if (!canMount) return;
  const left = postgresProcessesUnder(dir);
  await cleanupProject(dir);
  await unmountWhenFree(outer);
  rmSync(outer, { recursive: true, force: true });
  expect(left).toEqual([]);
});

function smallDisk(size: string): void {
  outer = tempDir('diskfull');
  expect(mount(outer, size)).toBe(true);
  dir = path.join(outer, 'project');
  mkdirSync(dir);
}

test('init on a full disk (initdb) says which filesystem, leaves nothing; with space it works', async () => {
  smallDisk('20m');
  const r = await devenv(dir, ['init'], { env: { PGRES_NO_TEMPLATE: '1' } });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(`devenv: initdb failed: the filesystem at ${outer} ran out of space`);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(readdirSync(dir)).toEqual([]);

  expect(mount(outer, '300m', true)).toBe(true);
  expect((await devenv(dir, ['init'], { env: { PGRES_NO_TEMPLATE: '1' } })).code).toBe(0);
  expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
});

test('init on a full disk (template copy) says so instead of "directory not empty"', async () => {
  smallDisk('20m');
  const r = await devenv(dir, ['init']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(`devenv: copying the template cluster: the filesystem at ${outer} ran out of space`);
  expect(r.stderr).not.toMatch(/not empty/);
  expect(readdirSync(dir)).toEqual([]);
});
