// `devenv upgrade` end to end: a PostgreSQL 15 cluster (system binaries) moved to the embedded 17 by the
// dump route (this machine has 15's pg_dumpall, and no pg_upgrade of 17), checked against what the 15
// cluster held, then moved back by restoring the snapshot the upgrade saved. Refusals change nothing.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import { baseEnv, devenv, postgresProcessesUnder, REPO, tempDir, waitFor } from '../helpers/project.js';
import { copyFixture, fingerprint, makeFixture, ok, removeProject, status, workDirs } from './fixture.js';

const SYSTEM_15 = '/usr/lib/postgresql/15/bin';
const fixture = { dir: '', print: '' };
const dirs: string[] = [];

beforeAll(async () => {
  fixture.dir = tempDir('upgrade-fixture');
  fixture.print = await makeFixture(fixture.dir);
}, 120000);

afterAll(async () => {
  for (const dir of [...dirs, fixture.dir]) if (dir) await removeProject(dir);
});

function copy(label: string): string {
  const dir = copyFixture(fixture.dir, label);
  dirs.push(dir);
  return dir;
}

test('upgrade --to 17 keeps databases, roles, extensions, sequences; its snapshot brings 15 back', async () => {
  const dir = copy('upgrade-17');
  const up = ok(await devenv(dir, ['upgrade', '--to', '17']), 'upgrade');
  expect(up.stderr).toMatch(
    new RegExp(
      'upgraded the cluster from PostgreSQL 15\\.\\d+ to 17\\.\\d+ ' +
        '\\(pg_dumpall 15\\.\\d+ \\| psql; checked \\d+ tables in 4 databases\\)',
    ),
  );
  const name = /snapshot "(pre-upgrade-15-to-17-[\d_-]+)" keeps the PostgreSQL 15 cluster/.exec(up.stderr)?.[1];
  expect(name).toBeTruthy();
  const s = await status(dir);
  expect([s.major, s.clusterVersion?.split('.')[0], s.binaries?.source]).toEqual([17, '17', 'embedded']);
  expect(s.client.kind).toBe('system');
  expect(ok(await devenv(dir, ['status']), 'status').stdout).toMatch(/^cluster +PostgreSQL 17\.\d+ in /m);
  expect(await fingerprint(dir)).toBe(fixture.print);
  // The old files are removed in the background (the trash); nothing else is left.
  expect(workDirs(dir).filter((n) => !n.startsWith('.trash-'))).toEqual([]);

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
  // Without --to or postgres.version: the newest server already here, within postgres.binaries.
  writeFileSync(
    config,
    JSON.stringify({ ...JSON.parse(original), postgres: { ...JSON.parse(original).postgres, binaries: 'system' } }),
  );
  expect(await run([])).toEqual({
    code: 0,
    line:
      'the cluster already runs PostgreSQL 15, the newest PostgreSQL found here; nothing to upgrade; ' +
      '`devenv upgrade --to N` moves it to another (fetched if not installed)',
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

test('a failure is one line; the cluster and its snapshots are as they were', async () => {
  const dir = copy('upgrade-fails');
  const config = path.join(dir, 'devenv.json');
  const original = JSON.parse(readFileSync(config, 'utf8'));
  // A setting PostgreSQL 16 removed: fine for 15, the new 17 server refuses to start with it.
  writeFileSync(
    config,
    JSON.stringify({ ...original, postgres: { ...original.postgres, settings: { vacuum_defer_cleanup_age: 0 } } }),
  );
  ok(await devenv(dir, ['psql', '-c', 'select 1']), 'psql');
  const r = await devenv(dir, ['upgrade', '--to', '17']);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toMatch(
    new RegExp(
      '^devenv: the upgrade to PostgreSQL 17 failed: PostgreSQL 17\\.\\d+ did not start on the new cluster: ' +
        'FATAL: +unrecognized configuration parameter "vacuum_defer_cleanup_age"; ' +
        'the PostgreSQL 15 cluster is as it was$',
    ),
  );
  expect((await status(dir)).major).toBe(15);
  expect(ok(await devenv(dir, ['snapshot', 'list', '--json']), 'list').stdout.trim()).toBe('[]');
  expect(workDirs(dir)).toEqual([]);
  writeFileSync(config, JSON.stringify(original));
  expect(await fingerprint(dir)).toBe(fixture.print);
});

/**
 * The pg_upgrade route needs the new major's pg_upgrade and the old major's full installation: this machine
 * has only 15's, so it runs 15 → 15 (pg_upgrade allows the same major), through the built modules the
 * command uses, as the command would, with the route chooseRoute picks there.
 */
const PG_UPGRADE_SCRIPT = `
const [repo, bindir] = process.argv.slice(1);
const m = async (p) => import(repo + '/dist/' + p);
const { openProject } = await m('project/project.js');
const { findBinaries } = await m('postgres/binaries.js');
const { prepareWith } = await m('postgres/prepare.js');
const { checkNoInterruptedSwap } = await m('snapshot/interrupted-swap.js');
const { standaloneServer } = await m('snapshot/restore-standalone.js');
const { terminalOutput } = await m('util/output.js');
const { chooseRoute, routeText } = await m('upgrade/route.js');
const { inventorySize } = await m('upgrade/inventory.js');
const { upgradeCluster } = await m('upgrade/upgrade-cluster.js');
const project = openProject(process.cwd());
const binaries = findBinaries({ configured: bindir });
const pg = prepareWith(project, checkNoInterruptedSwap, binaries);
const route = chooseRoute(binaries, binaries.major);
const out = terminalOutput();
const users = standaloneServer(pg, project, out);
const snapshot = 'pre-upgrade-same-major-' + Date.now();
const r = await upgradeCluster({ pg, project, target: binaries, route, snapshot, users, out });
console.log(routeText(route, r.clone) + '; ' + inventorySize(r.inventory));
`;

function pgUpgrade(dir: string) {
  return execa(process.execPath, ['--input-type=module', '-e', PG_UPGRADE_SCRIPT, REPO, SYSTEM_15], {
    cwd: dir,
    env: baseEnv(),
    extendEnv: false,
    reject: false,
  });
}

test('the pg_upgrade route: files copied into a checked new cluster; killed, the old stays', async () => {
  const dir = copy('upgrade-pg-upgrade');
  // Killed while pg_upgrade runs: pg_upgrade, what it runs and the servers its pg_ctl started all end.
  const child = pgUpgrade(dir);
  const running = () => findProcesses((p) => /pg_upgrade\0/.test(p.cmdline()) && p.cmdline().includes(dir));
  await waitFor(() => running().length > 0, 'pg_upgrade to run', { timeoutMs: 30000, stepMs: 5 });
  child.kill('SIGKILL');
  await child;
  await waitFor(
    () => running().length === 0 && postgresProcessesUnder(dir).length === 0,
    'pg_upgrade and its servers to end',
  );
  expect(await fingerprint(dir)).toBe(fixture.print);

  const r = await pgUpgrade(dir);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout.trim()).toMatch(/^pg_upgrade 15\.\d+ \(--copy\); \d+ tables in 4 databases$/);
  // A new cluster (its system identifier differs) holding the same.
  expect(await fingerprint(dir)).toBe(fixture.print);
  const id = (d: string) =>
    execFileSync(`${SYSTEM_15}/pg_controldata`, [path.join(d, '.pgres')], { encoding: 'utf8' }).match(
      /system identifier:\s+(\d+)/,
    )?.[1];
  expect(id(dir)).not.toBe(id(fixture.dir));
  expect(workDirs(dir).filter((n) => !n.startsWith('.trash-'))).toEqual([]);
  ok(await devenv(dir, ['down']), 'down');
});
