// An upgrade killed with SIGKILL (no code of its own runs): after its snapshot, while the dump is loaded,
// and in the middle of the swap; and an upgrade under a running `devenv up -d`, killed and then whole.
// Before the swap the PostgreSQL 15 cluster must be as it was and usable, every process the upgrade started
// gone at once (they are tethered to it), and its work dirs removed by the next snapshot or upgrade command.
// A swap begun is finished by the next such command (the new cluster was complete and checked).
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { expect, test } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import { baseEnv, CLI, devenv, postgresProcessesUnder, waitFor } from '../helpers/project.js';
import { fileFixture, fingerprint, ok, status, workDirs } from './fixture.js';

const fixture = fileFixture();
const copy = fixture.copy;

function startUpgrade(dir: string): ResultPromise {
  return execa(CLI, ['upgrade', '--to', '17'], { cwd: dir, env: baseEnv(), extendEnv: false, reject: false });
}

/** Every process of this project's upgrade: its servers (their data dir is in the project), pg_dumpall, psql. */
function upgradeProcesses(dir: string): number[] {
  return findProcesses((p) => p.cmdline().includes(`${dir}/.pgres`) && !/main\.c?js/.test(p.cmdline()));
}

/** psql of the dump route runs (its socket dir is the upgrade's). */
function loading(dir: string): boolean {
  const sockets = `${dir}/.pgres/snapshots/.sockets-`;
  return findProcesses((p) => /\bpsql\0/.test(p.cmdline()) && p.cmdline().includes(sockets)).length > 0;
}

async function killAndCheck(dir: string, child: ResultPromise): Promise<void> {
  child.kill('SIGKILL');
  await child;
  await waitFor(
    () => upgradeProcesses(dir).length === 0 && postgresProcessesUnder(dir).length === 0,
    'the tethered processes to end',
    {
      detail: () =>
        [...upgradeProcesses(dir), ...postgresProcessesUnder(dir)]
          .map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`)
          .join('\n'),
    },
  );
  // The 15 cluster as it was, usable; the next snapshot command removes the work dirs.
  expect((await status(dir)).major).toBe(15);
  expect(await fingerprint(dir)).toBe(fixture.print);
  ok(await devenv(dir, ['snapshot', 'list']), 'list');
  expect(workDirs(dir)).toEqual([]);
}

test('killed after its snapshot, and while the dump is loaded: the 15 cluster is as it was', async () => {
  const dir = copy('upgrade-kill');
  const snapshots = path.join(dir, '.pgres', 'snapshots');
  let child = startUpgrade(dir);
  await waitFor(
    () => existsSync(snapshots) && readdirSync(snapshots).some((n) => n.startsWith('pre-upgrade-')),
    'the snapshot',
    { timeoutMs: 30000 },
  );
  await killAndCheck(dir, child);

  child = startUpgrade(dir);
  await waitFor(() => loading(dir), 'psql loading the dump', { timeoutMs: 30000, stepMs: 5 });
  expect(workDirs(dir).some((n) => n.startsWith('.upgrade-'))).toBe(true);
  await killAndCheck(dir, child);
});

test('killed mid-swap: no server starts on the half-swapped files; the next snapshot command finishes it', async () => {
  const dir = copy('upgrade-swap');
  ok(await devenv(dir, ['upgrade', '--to', '17']), 'upgrade');
  // The state a kill between two renames of the swap leaves: the new (17) cluster in its work dir, half the
  // old (15) files moved to the trash, the journal written, cluster.json still the old one, its process gone.
  const pgdata = path.join(dir, '.pgres');
  const snapshots = path.join(pgdata, 'snapshots');
  const owner = statSync(pgdata);
  const gone = spawnSync('true').pid!;
  const own = (p: string) => chownSync(p, owner.uid, owner.gid);
  const workDir = (name: string) => {
    const d = path.join(snapshots, `${name}${gone}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(d, { mode: 0o700 });
    own(d);
    return d;
  };
  const cluster = () => readdirSync(pgdata).filter((n) => n !== 'devenv' && n !== 'snapshots');
  const marker = path.join(pgdata, 'devenv', 'cluster.json');
  const newMarker = readFileSync(marker, 'utf8');
  const staging = workDir('.upgrade-');
  for (const n of cluster()) renameSync(path.join(pgdata, n), path.join(staging, n));
  const saved = readdirSync(snapshots).find((n) => n.startsWith('pre-upgrade-'))!;
  cpSync(path.join(snapshots, saved, 'data'), pgdata, { recursive: true, preserveTimestamps: true });
  spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, pgdata]);
  const trash = workDir('.trash-');
  const old = cluster();
  for (const n of old.slice(0, old.length / 2)) renameSync(path.join(pgdata, n), path.join(trash, n));
  cpSync(path.join(fixture.dir, '.pgres', 'devenv', 'cluster.json'), marker);
  own(marker);
  const journal = path.join(snapshots, '.swap.json');
  const after = { file: marker, content: newMarker };
  writeFileSync(
    journal,
    JSON.stringify({ format: 1, owner: gone, worker: gone, pgdata, staging, trash, phase: 'out', after }),
  );
  own(journal);

  const refused = await devenv(dir, ['psql', '-c', 'select 1']);
  expect(refused.stderr).toMatch(/snapshot restore was interrupted .*\(an upgrade swaps them the same way\)/);
  expect(postgresProcessesUnder(dir)).toEqual([]);
  expect(ok(await devenv(dir, ['snapshot', 'list']), 'list').stderr).toMatch(
    /finished a snapshot restore that was interrupted/,
  );
  const s = await status(dir);
  expect([s.major, s.clusterVersion?.split('.')[0]]).toEqual([17, '17']);
  expect(await fingerprint(dir)).toBe(fixture.print);
  expect(workDirs(dir)).toEqual([]);
  ok(await devenv(dir, ['down']), 'down');
});

test('under a running up -d: a killed upgrade gives it back 15, a whole one runs it again on 17', async () => {
  const dir = copy('upgrade-up');
  const config = JSON.parse(readFileSync(path.join(dir, 'devenv.json'), 'utf8'));
  config.processes = { web: { command: 'echo started >> starts.log; exec sleep 600', watch: false } };
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  ok(await devenv(dir, ['up', '-d']), 'up -d');
  const starts = () => readFileSync(path.join(dir, 'starts.log'), 'utf8').split('\n').filter(Boolean).length;
  const running = async (major: number) => {
    const s = await status(dir);
    return s.supervisor !== null && s.server.state === 'running' && s.major === major;
  };

  const child = startUpgrade(dir);
  await waitFor(() => loading(dir), 'psql loading the dump', { timeoutMs: 30000, stepMs: 5 });
  child.kill('SIGKILL');
  await child;
  // The client went away: `up` starts postgres (on the 15 cluster) and its apps again by itself.
  await waitFor(async () => (await running(15)) && starts() === 2, 'up to run postgres 15 and the app again', {
    timeoutMs: 30000,
    stepMs: 200,
  });
  expect(await fingerprint(dir)).toBe(fixture.print);

  const r = ok(await devenv(dir, ['upgrade', '--to', '17']), 'upgrade under up');
  expect(r.stderr).toMatch(/devenv up \(pid \d+\) had its apps and postgres down for [\d.]+ m?s; they run again/);
  expect(await running(17)).toBe(true);
  expect(starts()).toBe(3);
  expect(await fingerprint(dir)).toBe(fixture.print);
  ok(await devenv(dir, ['down']), 'down');
  // The old files go in the background.
  await waitFor(() => workDirs(dir).length === 0, 'the old files to be removed');
});
