// Benchmark row 17: `devenv upgrade` to the embedded major against initdb and pg_dumpall piped to psql.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { now, quiesce, runOk } from './lib.mjs';
import { asAccount, pgCtl, recipeDirs } from './postgres-sides.mjs';
import { addRow } from './results.mjs';
import { binaries, CLI, devenv, ENV, freshDir, REPO, SIZES, USER } from './settings.mjs';

const { findBinaries } = await import(path.join(REPO, 'dist/postgres/binaries.js'));

// ---------------------------------------------------------------- 17: upgrade to another major
/**
 * `devenv upgrade` of a pgbench cluster on this PostgreSQL to the embedded (newer) major, against what a user
 * does by hand: initdb of the new major, start it, `pg_dumpall | psql` from the old server, stop it. Ours also
 * saves a snapshot, checks every table's rows and swaps the cluster in; both start from a copy of the cluster.
 */
export async function rowUpgrade() {
  const target = findBinaries({ env: { PATH: process.env.PATH, PGRES_BINDIR: 'embedded' } });
  if (target.major <= binaries.major) throw new Error(`the embedded PostgreSQL ${target.major} is not newer`);
  const tool = (name) => path.join(`/usr/lib/postgresql/${binaries.major}/bin`, name);
  for (const t of ['pg_dumpall', 'psql', 'pgbench']) {
    if (!existsSync(tool(t))) throw new Error(`no ${t} for PostgreSQL ${binaries.major}: the comparison needs it`);
  }
  const fixture = freshDir('upgrade-fixture');
  await runOk(CLI, ['init'], { cwd: fixture, env: ENV });
  const bench = ['exec', '--', tool('pgbench'), '-i', '-q', '-s', String(SIZES.upgradeScale)];
  await runOk(CLI, bench, { cwd: fixture, env: ENV });
  await runOk(CLI, ['down'], { cwd: fixture, env: ENV });
  const copy = () => {
    const dir = freshDir('upgrade');
    spawnSync('cp', ['-a', `${fixture}/.`, dir]);
    return dir;
  };
  const ours = [];
  const theirs = [];
  for (let i = 0; i < SIZES.upgradeRuns; i++) {
    let dir = copy();
    await quiesce();
    // Without PGRES_BINDIR: devenv finds the old major's binaries and the embedded target itself.
    const r = await devenv(dir, ['upgrade', '--to', String(target.major)], { PGRES_BINDIR: '' });
    if (r.code !== 0) throw new Error(`devenv upgrade failed: ${r.stderr.trim()}`);
    ours.push(r.ms);
    await runOk(CLI, ['down'], { cwd: dir, env: ENV });
    rmSync(dir, { recursive: true, force: true });
    // By hand: the old server runs (as it would for a dump); the new cluster is made, loaded and stopped.
    dir = copy();
    const old = path.join(dir, '.pgres');
    // -l: without a log pg_ctl leaves the server on its output, and the wait for pg_ctl would never end.
    await pgCtl(old, ['-o', `-c unix_socket_directories=${old}`, '-l', path.join(old, 'bench.log'), '-w', 'start']);
    const { parent, data } = recipeDirs();
    await quiesce();
    const t0 = now();
    const init = [data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C'];
    await runOk(...asAccount(path.join(target.bindir, 'initdb'), ['-D', ...init]), { env: ENV });
    const sock = `-c listen_addresses= -c unix_socket_directories=${parent} -p 5433`;
    const ctl = (args) => runOk(...asAccount(path.join(target.bindir, 'pg_ctl'), ['-D', data, ...args]), { env: ENV });
    await ctl(['-o', sock, '-l', path.join(parent, 'server.log'), '-w', 'start']);
    const pipe = '"$1" -h "$2" -U "$3" | "$4" -q -X -h "$5" -p 5433 -U "$3" -d postgres >/dev/null';
    const args = ['-c', pipe, 'sh', tool('pg_dumpall'), old, USER, tool('psql'), parent];
    await runOk(...asAccount('/bin/sh', args), { env: ENV });
    await ctl(['-m', 'fast', '-w', 'stop']);
    theirs.push(now() - t0);
    await pgCtl(old, ['-m', 'fast', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  }
  addRow({
    id: '17',
    title: `upgrade ${binaries.major} → ${target.major}, pgbench -s ${SIZES.upgradeScale}`,
    unit: 'ms',
    ours: { label: `devenv upgrade --to ${target.major}`, samples: ours },
    theirs: { label: 'initdb + pg_ctl start + pg_dumpall piped to psql + stop', samples: theirs },
    target: { maxRatio: 1.5 },
    note: 'ours also saves a snapshot first, counts every table in both clusters and swaps the new one in',
  });
  rmSync(fixture, { recursive: true, force: true });
}
