// `devenv upgrade` end to end: a PostgreSQL 15 cluster (system binaries) moved to the embedded 17 by the
// dump route (this machine has 15's pg_dumpall, and no pg_upgrade of 17), checked against what the 15
// cluster held, then moved back by restoring the snapshot the upgrade saved. Refusals change nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { devenv } from '../helpers/project.js';
import { copyFixture, fingerprint, makeFixture, ok, removeProject, status, workDirs } from './fixture.js';

let fixture = { dir: '', print: '' };
const dirs: string[] = [];

beforeAll(async () => {
  fixture = await makeFixture();
}, 120000);

afterAll(async () => {
  for (const dir of [...dirs, fixture.dir]) if (dir) await removeProject(dir);
});

function copy(label: string): string {
  const dir = copyFixture(fixture.dir, label);
  dirs.push(dir);
  return dir;
}

test('upgrade --to 17 keeps every database, role, extension, sequence and branch database; the snapshot goes back to 15', async () => {
  const dir = copy('upgrade-17');
  const up = ok(await devenv(dir, ['upgrade', '--to', '17']), 'upgrade');
  expect(up.stderr).toMatch(
    /upgraded the cluster from PostgreSQL 15\.\d+ to 17\.\d+ \(pg_dumpall 15\.\d+ \| psql; checked \d+ tables in 4 databases\)/,
  );
  const name = /snapshot "(pre-upgrade-15-to-17-[\d_-]+)" keeps the PostgreSQL 15 cluster/.exec(up.stderr)?.[1];
  expect(name).toBeTruthy();
  const s = await status(dir);
  expect([s.major, s.clusterVersion?.split('.')[0], s.binaries?.source]).toEqual([17, '17', 'embedded']);
  expect(s.client.kind).toBe('system');
  expect(ok(await devenv(dir, ['status']), 'status').stdout).toMatch(/^cluster +PostgreSQL 17\.\d+ in /m);
  expect(await fingerprint(dir)).toBe(fixture.print);
  expect(workDirs(dir)).toEqual([]);

  // Back to 15: the snapshot of another major is restored when its binaries are here.
  ok(await devenv(dir, ['snapshot', 'restore', name!, '--yes']), 'restore');
  expect((await status(dir)).major).toBe(15);
  expect(await fingerprint(dir)).toBe(fixture.print);
  ok(await devenv(dir, ['down']), 'down');
});

test('what devenv.json says decides: --to must agree with postgres.version, which picks the default', async () => {
  const dir = copy('upgrade-config');
  const config = path.join(dir, 'devenv.json');
  const original = readFileSync(config, 'utf8');
  const run = async (args: string[]) => {
    const r = await devenv(dir, ['upgrade', ...args]);
    return { code: r.code, line: r.stderr.trim() };
  };
  expect(await run(['--to', '14'])).toEqual({
    code: 1,
    line:
      'devenv: devenv upgrade moves a cluster to a newer major only, not from PostgreSQL 15 to 14; the snapshot an ' +
      'upgrade saved brings the older cluster back (`devenv snapshot list`, then `devenv snapshot restore NAME`)',
  });
  expect(await run(['--to', 'seventeen'])).toEqual({
    code: 1,
    line: 'devenv: --to takes a PostgreSQL major (e.g. 17) or an exact version (17.2), not "seventeen"',
  });
  expect(await run(['--to', '15'])).toEqual({
    code: 0,
    line: 'the cluster already runs PostgreSQL 15; nothing to upgrade',
  });
  writeFileSync(
    config,
    JSON.stringify({ ...JSON.parse(original), postgres: { ...JSON.parse(original).postgres, version: '15' } }),
  );
  expect(await run(['--to', '17'])).toEqual({
    code: 1,
    line:
      'devenv: devenv.json says postgres.version 15: set it to "17" and run `devenv upgrade` (the cluster runs ' +
      'what devenv.json says)',
  });
  expect(await run([])).toEqual({
    code: 0,
    line: 'the cluster already runs PostgreSQL 15 (postgres.version); nothing to upgrade',
  });
  // Nothing was changed by any of these: no snapshot, no work dirs, the cluster as it was.
  expect(ok(await devenv(dir, ['snapshot', 'list', '--json']), 'list').stdout.trim()).toBe('[]');
  expect(workDirs(dir)).toEqual([]);
  expect((await status(dir)).major).toBe(15);
  // The way devenv.json asks for 17: every command points to `devenv upgrade`, which then moves to it.
  writeFileSync(
    config,
    JSON.stringify({ ...JSON.parse(original), postgres: { ...JSON.parse(original).postgres, version: '17' } }),
  );
  expect((await devenv(dir, ['psql', '-c', 'select 1'])).stderr).toMatch(/run `devenv upgrade` to move it to 17/);
  ok(await devenv(dir, ['upgrade']), 'upgrade to postgres.version');
  expect((await status(dir)).major).toBe(17);
  expect(await fingerprint(dir)).toBe(fixture.print);
  // Going back needs devenv.json to say 15 first.
  const name = JSON.parse(ok(await devenv(dir, ['snapshot', 'list', '--json']), 'list').stdout)[0].name as string;
  expect((await devenv(dir, ['snapshot', 'restore', name, '--yes'])).stderr.trim()).toBe(
    `devenv: snapshot "${name}" is of PostgreSQL 15 and devenv.json says postgres.version 17: set it to "15" first ` +
      '(the cluster runs what devenv.json says)',
  );
  expect((await status(dir)).major).toBe(17);
  ok(await devenv(dir, ['down']), 'down');
});
