// Root mode (issue 9.2): .pgres belongs to the account postgres runs as, which can rename and replace
// anything in it. Root must never create, write, append to or delete through a path there: its own logs
// and state live in a private directory of root's, and the cluster's files are written by the account.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  cleanupProject,
  devenv,
  IS_ROOT,
  pathsOf,
  postgresProcessesUnder,
  tempDir,
  waitFor,
} from '../helpers/project.js';

function account(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (r.status === 0) {
      const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
      return { name, uid: Number(r.stdout.trim()), gid };
    }
  }
  throw new Error('no postgres or nobody account');
}

/** The attacker: a shell as the account (what anyone who can act as it can do). */
function asAccount(cwd: string, script: string): void {
  const who = account();
  const r = spawnSync('/bin/sh', ['-c', script], { cwd, uid: who.uid, gid: who.gid, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/** Every entry under `dir` (itself included) not owned by `uid`; symlinks are not followed. */
function notOwnedBy(dir: string, uid: number): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.uid !== uid) out.push(`${p} (uid ${st.uid})`);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

/**
 * Every file devenv (as root) wrote, appended to or removed inside .pgres/devenv before issue 9.2, and the
 * old fixed temporary name. Runtime files now live in root's private dir; the cluster's are written by
 * the account. postgres.log is tested on its own (a link there keeps postgres from starting).
 */
const PLANTED = [
  'logs/devenv.log',
  'logs/web.log',
  'logs/up.log',
  'state/supervisor.json',
  'state/app-groups.json',
  'state/app-groups.json.tmp',
  'state/up.lock',
  'state/server.lock',
  'state/provision.lock',
  'state/session-server',
  'state/psql-sessions',
  'settings.conf',
  'pg_hba.conf',
  'tcp-password',
  'state/tcp-port',
  'state/provisioned',
  'state/setup-done',
];

/** Root-owned files (0600) and one directory (psql-sessions was one) the links point at. */
class Victims {
  readonly dir = tempDir('root-victims');
  constructor(readonly names: string[]) {
    for (const [i, name] of names.entries()) {
      const target = this.target(name);
      if (name.endsWith('psql-sessions')) {
        mkdirSync(target, { mode: 0o700 });
        writeFileSync(path.join(target, 'keep'), 'precious dir\n', { mode: 0o600 });
      } else {
        writeFileSync(target, `precious ${i}\n`, { mode: 0o600 });
      }
    }
  }
  target(name: string): string {
    return path.join(this.dir, name.replace(/\//g, '_'));
  }
  /** Links planted for `name` whose target changed (content, owner, mode, or entries of the dir). */
  changed(): string[] {
    return this.names.filter((name, i) => {
      const target = this.target(name);
      const st = statSync(target);
      if (st.uid !== 0 || (st.mode & 0o777) !== (st.isDirectory() ? 0o700 : 0o600)) return true;
      if (st.isDirectory()) return readdirSync(target).join() !== 'keep';
      return readFileSync(target, 'utf8') !== `precious ${i}\n`;
    });
  }
}

const WEB = { command: 'node -e "setInterval(() => console.log(\'web up\'), 500)"' };

let dir: string;
const extra: string[] = [];
beforeEach(() => {
  dir = tempDir('rootfiles');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
  for (const d of extra.splice(0)) await cleanupProject(d);
});

async function ok(args: string[]): Promise<string> {
  const r = await devenv(dir, args);
  expect(r.code, `devenv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe.runIf(IS_ROOT)('as root, nothing is written through a path the account controls', () => {
  test("a lifecycle leaves .pgres all the account's; after the issue's attack no link is written through", async () => {
    const who = account();
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({ processes: { web: WEB }, postgres: { tcp: true, setup: ['setup.sql'] } }),
    );
    writeFileSync(path.join(dir, 'setup.sql'), 'CREATE TABLE IF NOT EXISTS t (x int);\n');
    const paths = pathsOf(dir);

    // Structure: after init, up -d with an app, psql, exec, setup, down, root made nothing in .pgres.
    await ok(['init']);
    await ok(['up', '-d']);
    expect(await ok(['psql', '-XAtc', 'select count(*) from t'])).toBe('0\n');
    await ok(['exec', '--', 'psql', '-XAtc', 'select 1']);
    await ok(['setup']);
    // Its first line is due 500 ms after node started, which on a loaded machine can be after all of the above.
    const webLog = path.join(paths.logs, 'web.log');
    await waitFor(() => existsSync(webLog) && readFileSync(webLog, 'utf8').includes('web up'), 'the first line of web');
    await ok(['down']);
    expect(notOwnedBy(paths.pgdata, who.uid)).toEqual([]);
    // Root's own files are in its private dir: root's, mode 0700, outside the project.
    expect(paths.runtime.startsWith(`${dir}/`)).toBe(false);
    const priv = statSync(paths.runtime);
    expect([priv.uid, priv.mode & 0o777]).toEqual([0, 0o700]);
    expect(readFileSync(webLog, 'utf8')).toContain('web up');
    expect(readFileSync(paths.serverLog, 'utf8')).toContain('ready to accept connections');

    // The attack: the account moves devenv/ away and makes its own, full of links to root's files.
    const victims = new Victims(PLANTED);
    extra.push(victims.dir);
    asAccount(
      paths.pgdata,
      'mv devenv devenv.old && mkdir -p devenv/state devenv/logs && cp devenv.old/cluster.json devenv/ && ' +
        'cp devenv.old/logs/postgres.log devenv/logs/',
    );
    asAccount(paths.own, PLANTED.map((name) => `ln -s '${victims.target(name)}' '${name}'`).join(' && '));

    await ok(['up', '-d']);
    expect(await ok(['psql', '-XAtc', 'select count(*) from t'])).toBe('0\n');
    await ok(['exec', '--', 'psql', '-XAtc', 'select 1']);
    await ok(['setup']);
    await ok(['down']);
    expect(victims.changed()).toEqual([]);
    expect(notOwnedBy(paths.pgdata, who.uid)).toEqual([]);

    await ok(['reset', '-y']);
    expect(victims.changed()).toEqual([]);
    expect(existsSync(paths.pgdata)).toBe(false);
    expect(existsSync(paths.runtime)).toBe(false);
  });

  test('a link at the server log: postgres does not start, nothing is written through it or shown', async () => {
    const paths = pathsOf(dir);
    await ok(['init']);
    const victims = new Victims(['logs/postgres.log']);
    extra.push(victims.dir);
    const link = `ln -s ${victims.target('logs/postgres.log')} devenv/logs/postgres.log`;
    asAccount(paths.pgdata, `mkdir -p devenv/logs && rm -f devenv/logs/postgres.log && ${link}`);
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code).not.toBe(0);
    expect(up.stderr).not.toContain('precious');
    const logs = await devenv(dir, ['logs', 'postgres']);
    expect(logs.stdout).not.toContain('precious');
    expect(victims.changed()).toEqual([]);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  test('.pgres/devenv swapped for a link to a directory of root: nothing is created or changed in it', async () => {
    const paths = pathsOf(dir);
    await ok(['init']);
    const target = tempDir('root-victim-dir');
    extra.push(target);
    writeFileSync(path.join(target, 'cluster.json'), readFileSync(paths.marker));
    chmodSync(path.join(target, 'cluster.json'), 0o600);
    const before = readdirSync(target, { recursive: true });
    asAccount(paths.pgdata, `rm -rf devenv && ln -s ${target} devenv`);
    await devenv(dir, ['up', '-d']);
    await devenv(dir, ['down']);
    await devenv(dir, ['reset', '-y']);
    expect(readdirSync(target, { recursive: true })).toEqual(before);
    expect(statSync(path.join(target, 'cluster.json')).uid).toBe(0);
  });

  test("a cluster made as root by an older devenv (devenv/ root's, settings.conf included) is taken over", async () => {
    const who = account();
    const paths = pathsOf(dir);
    await ok(['init']);
    // What an older version left: its own settings file (included by postgresql.conf), all of devenv/ root's.
    writeFileSync(paths.settingsConf, "work_mem = '3MB'\n");
    writeFileSync(path.join(paths.pgdata, 'postgresql.conf'), "include_if_exists = 'devenv/settings.conf'\n", {
      flag: 'a',
    });
    spawnSync('chown', ['-R', '0:0', paths.own]);
    expect(await ok(['psql', '-XAtc', 'show work_mem'])).toBe('4MB\n');
    expect(existsSync(paths.settingsConf)).toBe(false);
    expect(notOwnedBy(paths.pgdata, who.uid)).toEqual([]);
  });

  test("another user's .pgres is handed over without following links; an untrusted state dir is refused", async () => {
    const who = account();
    const paths = pathsOf(dir);
    await ok(['init']);
    const victims = new Victims(['victim']);
    extra.push(victims.dir);
    // Someone else's cluster (uid 4242) with a link to a root file inside.
    symlinkSync(victims.target('victim'), path.join(paths.pgdata, 'trap')); // chowned to 4242 below
    spawnSync('chown', ['-R', '-h', '4242:4242', paths.pgdata]);
    const q = await devenv(dir, ['psql', '-XAtc', 'select 1']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stderr).toContain(`gave ${paths.pgdata} to the account "${who.name}"`);
    expect(victims.changed()).toEqual([]);
    expect(notOwnedBy(paths.pgdata, who.uid)).toEqual([]);

    // Root's private dir below a directory the account owns: one line naming it, nothing started.
    const state = tempDir('account-state');
    extra.push(state);
    spawnSync('chown', [`${who.uid}:${who.gid}`, state]);
    const up = await devenv(dir, ['up', '-d'], { env: { XDG_STATE_HOME: state } });
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain(`but ${state} belongs to uid ${who.uid}`);
    expect(up.stderr.trim().split('\n')).toHaveLength(1);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});
