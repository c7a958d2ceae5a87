// PostgreSQL both ways: the manual recipe a user would script (initdb, settings, pg_ctl) and `devenv up`, and
// the wait until a client connects, for the rows that time a server starting or stopping.
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { now, runOk, sleep, startLong, stopLong } from './lib.mjs';
import { pidAlive } from './proc.mjs';
import { account, binaries, CLI, ENV, freshDir, pg, TMP, USER } from './settings.mjs';

const RECIPE = path.join(TMP, 'recipe.sh');
writeFileSync(
  RECIPE,
  `#!/bin/sh
# The manual recipe a user would script: initdb, socket-only settings, first database, pg_ctl start.
set -e
D="$1"; B="$2"; SU="$3"; DB="$4"
"$B/initdb" -D "$D" -U "$SU" --auth=trust --encoding=UTF8 --locale=C >/dev/null
printf "listen_addresses = ''\\nunix_socket_directories = '%s'\\n" "$D" >> "$D/postgresql.conf"
echo "CREATE DATABASE \\"$DB\\";" | "$B/postgres" --single -D "$D" -c exit_on_error=on template1 >/dev/null
"$B/pg_ctl" -D "$D" -l "$D/server.log" -w start >/dev/null
`,
  { mode: 0o755 },
);

/** As root, the recipe's commands run as the same unprivileged account devenv uses (postgres refuses root). */
export function asAccount(file, args) {
  if (!account) return [file, args];
  return ['setpriv', [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', file, ...args]];
}

export function recipeDirs() {
  const parent = freshDir('recipe');
  if (account) chownSync(parent, account.uid, account.gid);
  return { parent, data: path.join(parent, 'data') };
}

export function runRecipe(data) {
  const [f, a] = asAccount(RECIPE, [data, binaries.bindir, USER, USER]);
  return runOk(f, a, { env: ENV });
}

export function pgCtl(data, args) {
  const [f, a] = asAccount(path.join(binaries.bindir, 'pg_ctl'), ['-D', data, ...args]);
  return runOk(f, a, { env: ENV });
}

/**
 * Connect with node-postgres over the socket and run SELECT 1; retry every 2 ms until it works. Until the
 * socket file exists only its existence is checked (every 1 ms): a client made every 2 ms costs a share
 * of a core, which on a 2-core machine slowed the command being timed by a third.
 */
export async function waitConnect(socketDir, timeoutMs = 60000) {
  const until = now() + timeoutMs;
  const socket = path.join(socketDir, '.s.PGSQL.5432');
  while (!existsSync(socket) && now() < until) await sleep(1);
  let last;
  while (now() < until) {
    const c = new pg.Client({ host: socketDir, port: 5432, user: USER, database: USER });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return now();
    } catch (err) {
      last = err;
      await c.end().catch(() => undefined);
      await sleep(2);
    }
  }
  throw new Error(`no connection to ${socketDir}: ${last?.message}`);
}

/** `devenv up` in the foreground (no apps): time from spawn until a connection works. */
export async function upUntilConnected(dir, extraEnv = {}, args = []) {
  const up = startLong(CLI, ['up', ...args], { cwd: dir, env: { ...ENV, ...extraEnv } });
  try {
    const t = await Promise.race([
      waitConnect(path.join(dir, '.pgres')),
      up.exited.then((e) =>
        Promise.reject(new Error(`devenv up exited (${e.code ?? e.signal}): ${up.lines.slice(-6).join(' | ')}`)),
      ),
    ]);
    return { up, ms: t - up.t0 };
  } catch (err) {
    await stopLong(up, 'SIGINT');
    throw err;
  }
}

/** SIGINT to a foreground `up`: time until it has exited, then check postgres is gone too. */
export async function stopUp(up, dir) {
  const ms = await stopLong(up, 'SIGINT');
  const pm = postmasterPid(path.join(dir, '.pgres'));
  if (pm && pidAlive(pm)) throw new Error(`postgres (pid ${pm}) still running after devenv up exited`);
  return ms;
}

export function postmasterPid(data) {
  try {
    return Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}
