// `devenv snapshot restore` under a running `devenv up -d`: the apps stop first (their groups gone),
// then postgres; the cluster becomes the snapshot; postgres comes back provisioned (a database added
// after the snapshot is there again) and the apps start again on it; nothing is left over at the end.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_MODULE } from '../helpers/clients.js';
import { devenv, pathsOf, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import {
  finish,
  logText,
  makeProject,
  type ProcessRow,
  psql,
  statusJson,
  waitLog,
  waitRunning,
  withoutTimes,
  writeFile,
} from './helpers.js';

/** Counts the rows at start, then keeps its session open (a restore must stop it first). */
const APP = `const pg = require(${JSON.stringify(PG_MODULE)});
(async () => {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  const r = await c.query("select string_agg(note, ',' order by id) as notes from items");
  console.log('notes: ' + r.rows[0].notes);
  setInterval(() => {}, 1 << 30);
})().catch((e) => { console.log('app error: ' + e.message); process.exitCode = 1; });
`;

const config = (databases: string[]) =>
  JSON.stringify({
    postgres: { database: 'shop', databases, setup: ['seed.sql'] },
    processes: { web: { command: 'node app.cjs', watch: false }, worker: { command: 'sleep 1000 & wait' } },
  });

/**
 * What a `devenv snapshot restore` killed mid-swap leaves a running `up` with: over the control channel
 * it stopped the apps and postgres, moved half the cluster out to its trash dir, wrote the swap journal
 * (with its own pid), then dies (the test kills it with SIGKILL once it prints "half").
 */
const KILLED_RESTORE = `import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
const [socketPath, pgdata, snapshot] = process.argv.slice(2);
const socket = connect(socketPath);
let buffer = '';
const replies = [];
socket.setEncoding('utf8').on('data', (d) => {
  buffer += d;
  for (let nl; (nl = buffer.indexOf('\\n')) !== -1; buffer = buffer.slice(nl + 1)) {
    const m = JSON.parse(buffer.slice(0, nl));
    if (!m.wait) replies.shift()(m);
  }
});
const ask = (msg) => new Promise((resolve, reject) => {
  replies.push((m) => (m.ok ? resolve(m) : reject(new Error(m.error))));
  socket.write(JSON.stringify(msg) + '\\n');
});
await ask({ hello: { pid: process.pid, purpose: 'snapshot restore' } });
await ask({ op: 'stop-apps' });
await ask({ op: 'stop-postgres' });
const snapshots = path.join(pgdata, 'snapshots');
const staging = path.join(snapshots, '.restore-' + process.pid + '-killed');
const trash = path.join(snapshots, '.trash-' + process.pid + '-killed');
execFileSync('cp', ['-a', path.join(snapshots, snapshot, 'data'), staging]);
mkdirSync(trash, { mode: 0o700 });
const owner = statSync(pgdata);
chownSync(trash, owner.uid, owner.gid);
const journal = { format: 1, owner: process.pid, worker: process.pid, pgdata, staging, trash, phase: 'out' };
writeFileSync(path.join(snapshots, '.swap.json'), JSON.stringify(journal));
const cluster = readdirSync(pgdata).filter((n) => n !== 'devenv' && n !== 'snapshots');
for (const name of cluster.slice(0, cluster.length >> 1)) renameSync(path.join(pgdata, name), path.join(trash, name));
console.log('half');
setInterval(() => {}, 1 << 30);
`;

describe('devenv snapshot restore under a running devenv up', () => {
  let dir: string;
  const groups = new Set<number>();
  const running = async (name: string, not?: number | null): Promise<ProcessRow> => {
    const row = await waitRunning(dir, name, not);
    groups.add(row.pid!);
    return row;
  };

  beforeAll(async () => {
    dir = makeProject('up-restore', {
      'devenv.json': config([]),
      'seed.sql': "CREATE TABLE IF NOT EXISTS items (id int, note text);\nINSERT INTO items VALUES (1, 'before');\n",
      'app.cjs': APP,
    });
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await finish(dir, groups);
    // The restore's background job (deleting the previous files) ends by itself.
    await waitFor(() => postgresProcessesUnder(dir).length === 0, 'nothing of postgres');
  });

  it('restores with the apps stopped first and started again after; postgres comes back provisioned', async () => {
    await waitLog(dir, 'web', /notes: before/);
    const save = await devenv(dir, ['snapshot', 'save', 's1']);
    expect(save.code, save.stderr).toBe(0);
    // After the snapshot: a row, and a database added to devenv.json (made by the reload).
    await psql(dir, "insert into items values (2, 'after')");
    writeFile(dir, 'devenv.json', config(['shop_test']));
    await waitLog(dir, 'devenv', /created database "shop_test"/);
    const web = await running('web');
    const worker = await running('worker');
    const pg = (await statusJson(dir)).server.pid;

    const r = await devenv(dir, ['snapshot', 'restore', 's1', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restored snapshot "s1" .*; devenv up \(pid \d+\) had its apps and postgres down for/);
    for (const g of [web.pid!, worker.pid!]) assertGroupGone(g);
    expect(postgresProcessesUnder(dir)).not.toContain(pg);
    const web2 = await running('web', web.pid);
    await running('worker', worker.pid);
    expect(web2.pid).not.toBe(web.pid);
    await waitLog(dir, 'web', /notes: before\n(.*\n)*notes: before\n/);
    expect(await psql(dir, "select string_agg(note, ',') from items")).toBe('before');
    // The snapshot predates shop_test: provisioning made it again before the apps started.
    expect(await psql(dir, "select count(*) from pg_database where datname = 'shop_test'")).toBe('1');
    const log = logText(dir, 'devenv');
    const stop = log.indexOf('`devenv snapshot restore` (pid');
    expect(stop).toBeGreaterThan(-1);
    expect(log.slice(stop)).toMatch(/asked: stopping the apps[\s\S]*asked: stopping postgres[\s\S]*web started/);
    const status = await statusJson(dir);
    expect(status.processes.map((p) => [p.name, p.state])).toEqual([
      ['postgres', 'running'],
      ['web', 'running'],
      ['worker', 'running'],
    ]);
  });

  it('a restore killed mid-swap: up finishes the swap, starts postgres on the snapshot, then the apps', async () => {
    const web = await running('web');
    await running('worker');
    await psql(dir, "insert into items values (3, 'not in s1')");
    const client = path.join(tempDir('killed-restore'), 'client.mjs');
    writeFileSync(client, KILLED_RESTORE);
    const paths = pathsOf(dir);
    const restore = spawn(process.execPath, [client, paths.controlSocket, paths.pgdata, 's1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let said = '';
    restore.stdout!.on('data', (d) => (said += d));
    await waitFor(() => said.includes('half'), 'the restore to be half way through its swap');
    const gone = new Promise((r) => restore.on('exit', r));
    restore.kill('SIGKILL');
    await gone;

    // up rolls the swap forward itself: postgres runs on the snapshot, then the apps start on it.
    const web2 = await running('web', web.pid);
    await waitLog(dir, 'web', /notes: before\n(.*\n)*notes: before\n(.*\n)*notes: before\n/);
    expect(withoutTimes(logText(dir, 'web'))).not.toMatch(/app error/);
    const status = await statusJson(dir);
    expect(status.processes.map((p) => [p.name, p.state])).toEqual([
      ['postgres', 'running'],
      ['web', 'running'],
      ['worker', 'running'],
    ]);
    expect(status.processes[1]!.pid).toBe(web2.pid);
    expect(await psql(dir, "select string_agg(note, ',') from items")).toBe('before');
    expect(existsSync(path.join(paths.pgdata, 'snapshots', '.swap.json'))).toBe(false);
    const log = withoutTimes(logText(dir, 'devenv'));
    const after = log.slice(log.lastIndexOf('went away with postgres stopped'));
    expect(after).toMatch(
      /finished a snapshot restore that was interrupted[\s\S]*postgres restarted[\s\S]*web started/,
    );
  });
});
