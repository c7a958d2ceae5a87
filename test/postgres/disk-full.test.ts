import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cleanupProject, devenv, IS_ROOT, postgresProcessesUnder, tempDir } from '../helpers/project.js';

/** A small tmpfs stands in for a full disk; mounting needs root (CI is root). */
function mount(dir: string, size: string, remount = false): boolean {
  const opts = `${remount ? 'remount,' : ''}size=${size},mode=755`;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

const probe = tempDir('diskfull-probe');
const canMount = IS_ROOT && mount(probe, '1m');
if (canMount) spawnSync('umount', [probe]);
rmSync(probe, { recursive: true, force: true });
const reason = IS_ROOT ? 'mounting a tmpfs is not allowed here' : 'mounting a tmpfs needs root';

test.runIf(!canMount)(`disk-full tests skipped: ${reason}`, () => {
  // CI runs as root on a machine that can mount: there, skipping would hide a regression.
  expect(process.env.CI, 'CI must be able to run the disk-full tests').toBeFalsy();
});

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
  spawnSync('umount', [outer]);
  rmSync(outer, { recursive: true, force: true });
  expect(left).toEqual([]);
});

function smallDisk(size: string): void {
  outer = tempDir('diskfull');
  expect(mount(outer, size)).toBe(true);
  dir = path.join(outer, 'project');
  mkdirSync(dir);
}

test.runIf(canMount)(
  'init on a full disk (initdb) says which filesystem, leaves nothing; with space it works',
  async () => {
    smallDisk('20m');
    const r = await devenv(dir, ['init'], { env: { PGRES_NO_TEMPLATE: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(`devenv: initdb failed: the filesystem at ${outer} ran out of space`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);

    expect(mount(outer, '300m', true)).toBe(true);
    expect((await devenv(dir, ['init'], { env: { PGRES_NO_TEMPLATE: '1' } })).code).toBe(0);
    expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
  },
);

test.runIf(canMount)('init on a full disk (template copy) says so instead of "directory not empty"', async () => {
  smallDisk('20m');
  const r = await devenv(dir, ['init']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(`devenv: copying the template cluster: the filesystem at ${outer} ran out of space`);
  expect(r.stderr).not.toMatch(/not empty/);
  expect(readdirSync(dir)).toEqual([]);
});
