// Benchmark row 12: `devenv snapshot save/restore` of a big database against pg_dump/pg_restore and
// CREATE DATABASE ... TEMPLATE.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { now, quiesce, runOk } from './lib.mjs';
import { addRow } from './results.mjs';
import { binaries, CLI, devenv, ENV, freshDir, pg, REPO, SIZES, TMP, USER } from './settings.mjs';

// ---------------------------------------------------------------- 12: snapshots vs dump/restore
/** pg_dump/pg_restore of the server's major: next to the server binaries, or the system's. */
function dumpTools() {
  for (const dir of [binaries.bindir, `/usr/lib/postgresql/${binaries.major}/bin`]) {
    const dump = path.join(dir, 'pg_dump');
    const restore = path.join(dir, 'pg_restore');
    if (existsSync(dump) && existsSync(restore)) return { dump, restore };
  }
  return null;
}

/** Filesystem type of a directory (for the copy path: ext4 copies, btrfs/XFS can clone). */
function fsType(dir) {
  return runOk('df', ['--output=fstype', dir], {}).then((r) => r.stdout.trim().split('\n').pop());
}

export async function rowSnapshots() {
  const tools = dumpTools();
  if (!tools) throw new Error(`no pg_dump/pg_restore for PostgreSQL ${binaries.major}: the comparison needs them`);
  const { openProject } = await import(path.join(REPO, 'dist/project/project.js'));
  const { preparePostgres, ensureServer, serverSpec } = await import(path.join(REPO, 'dist/postgres/prepare.js'));
  const { checkNoInterruptedSwap } = await import(path.join(REPO, 'dist/snapshot/interrupted-swap.js'));
  const quiet = { info() {}, notice() {}, step() {} };
  const dir = freshDir('snapshot');
  const sock = path.join(dir, '.pgres');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  // A server that no `up` supervises (a restore under `up` also stops and starts the apps): started in process.
  const project = openProject(dir);
  await ensureServer(preparePostgres(project, checkNoInterruptedSwap), serverSpec(project), quiet, {
    detached: true,
  }).then((r) => r.handle?.child?.unref());
  const client = async (database = USER) => {
    const c = new pg.Client({ host: sock, port: 5432, user: USER, database });
    await c.connect();
    return c;
  };
  let c = await client();
  const tg = now();
  await c.query(
    'CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, created timestamptz NOT NULL, ' +
      'payload text NOT NULL)',
  );
  await c.query(`INSERT INTO items SELECT g, g % 10000, timestamptz '2024-01-01' + g * interval '1 second',
    md5(g::text) || md5((g * 7)::text) FROM generate_series(1, ${SIZES.snapshotRows}) g`);
  await c.query('CREATE INDEX items_account ON items (account)');
  await c.query('VACUUM ANALYZE items');
  const size = Number((await c.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b);
  await c.end();
  const genS = (now() - tg) / 1000;
  const dumpArgs = ['-h', sock, '-U', USER];
  const s = { save: [], dump: [], ready: [], copied: [], pgRestore: [], template: [], down: [], backup: [] };
  let copyPath = '?';
  const restore = async (name, extraEnv, into) => {
    await quiesce();
    const r = await devenv(dir, ['snapshot', 'restore', name, '--yes'], extraEnv);
    if (r.code !== 0) throw new Error(`snapshot restore failed: ${r.stderr.trim()}`);
    into.push(r.ms);
    const down = /down for ([\d.]+) (ms|s)/.exec(r.stderr);
    if (down) s.down.push(Number(down[1]) * (down[2] === 's' ? 1000 : 1));
    return r;
  };
  for (let i = 0; i < SIZES.snapshotRuns; i++) {
    const dumpFile = path.join(TMP, `bench-${i}.dump`);
    // save: whole command, the server running (its ready copy is then made in the background)
    await quiesce();
    let r = await devenv(dir, ['snapshot', 'save', `s${i}`]);
    if (r.code !== 0) throw new Error(`snapshot save failed: ${r.stderr.trim()}`);
    s.save.push(r.ms);
    copyPath = /, (reflink copy|plain copy)\)/.exec(r.stderr)?.[1] ?? copyPath;
    const backup = /backup mode for ([\d.]+ m?s)/.exec(r.stderr)?.[1];
    if (backup) s.backup.push(backup);
    // pg_dump -Fc of the same database
    await quiesce();
    s.dump.push((await runOk(tools.dump, [...dumpArgs, '-Fc', '-f', dumpFile, USER], { env: ENV })).ms);
    // CREATE DATABASE … TEMPLATE (anchor): a file-level copy of one database inside the server
    c = await client('postgres');
    const t0 = now();
    await c.query(`CREATE DATABASE bench_copy TEMPLATE "${USER}"`);
    s.template.push(now() - t0);
    await c.query('DROP DATABASE bench_copy');
    await c.end();
    // restore, whole command (stop, swap, start; the server runs before and after): copying the
    // snapshot (ready copies off), then with the ready copy the save made
    await restore(`s${i}`, { PGRES_NO_SPARES: '1' }, s.copied);
    r = await restore(`s${i}`, {}, s.ready);
    if (!/from its ready copy/.test(r.stderr))
      throw new Error(`restore did not use the ready copy: ${r.stderr.trim()}`);
    // pg_restore --clean of the dump into the same database
    await quiesce();
    s.pgRestore.push((await runOk(tools.restore, [...dumpArgs, '--clean', '-d', USER, dumpFile], { env: ENV })).ms);
    rmSync(dumpFile, { force: true });
    await runOk(CLI, ['snapshot', 'rm', `s${i}`], { cwd: dir, env: ENV });
  }
  const fs = await fsType(dir);
  const gib = (size / 2 ** 30).toFixed(2);
  const down = s.down.map((x) => `${Math.round(x)} ms`).join(', ');
  addRow({
    id: '12a',
    title: `snapshot save, server running (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'devenv snapshot save', samples: s.save },
    theirs: { label: 'pg_dump -Fc', samples: s.dump },
    target: { maxRatio: 0.2 },
    note:
      `${fs}, ${copyPath}; in backup mode ${s.backup.join(', ')} (the server never pauses); ` +
      `database generated in ${genS.toFixed(0)} s`,
  });
  addRow({
    id: '12b',
    title: `snapshot restore, server running (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'devenv snapshot restore --yes (ready copy)', samples: s.ready },
    theirs: { label: 'pg_restore --clean', samples: s.pgRestore },
    target: { maxRatio: 0.1 },
    note: `server down (stop, swap, start), both kinds of restore: ${down}`,
  });
  addRow({
    id: '12c',
    title: `snapshot restore without a ready copy (${gib} GiB database)`,
    unit: 'ms',
    ours: { label: 'PGRES_NO_SPARES=1 devenv snapshot restore --yes (copies)', samples: s.copied },
    theirs: { label: 'pg_restore --clean', samples: s.pgRestore },
    target: { maxRatio: 0.1 },
  });
  addRow({
    id: '12d',
    title: 'snapshot save vs copying the database inside the server',
    unit: 'ms',
    ours: { label: 'devenv snapshot save (whole cluster)', samples: s.save },
    theirs: { label: 'CREATE DATABASE … TEMPLATE (one database)', samples: s.template },
    target: {},
  });
  await quiesce();
  await runOk(CLI, ['down'], { cwd: dir, env: ENV });
  rmSync(dir, { recursive: true, force: true });
}
