import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { platform } from '../platform/platform.js';
import { isRootUser } from '../project/paths.js';
import { withDirectory } from '../util/no-follow.js';

/** The unprivileged account postgres runs as when we are root (postgres refuses to run as root). */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

function lookupAccount(name: string): Account | null {
  const parse = (line: string): Account | null => {
    const f = line.split(':');
    return f.length >= 7 && f[0] === name ? { name, uid: Number(f[2]), gid: Number(f[3]) } : null;
  };
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const a = parse(line);
      if (a) return a;
    }
  } catch {
    // fall through to getent (NSS accounts)
  }
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  return r.status === 0 ? parse(r.stdout.trim()) : null;
}

/** The name of the account with this uid (from /etc/passwd), or null. */
export function accountNameOf(uid: number): string | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return f[0]!;
    }
  } catch {
    // no passwd file: unknown
  }
  return null;
}

/**
 * null when we are not root (postgres runs as us). As root: the configured
 * account (PGRES_RUN_AS, postgres.runAs), else `postgres`, else `nobody`.
 */
export function resolveAccount(configured?: string, env: NodeJS.ProcessEnv = process.env): Account | null {
  if (!isRootUser()) return null;
  const wanted = env.PGRES_RUN_AS || configured;
  if (wanted) {
    const a = lookupAccount(wanted);
    if (!a)
      throw new UserError(
        `the account "${wanted}" (PGRES_RUN_AS / postgres.runAs) does not exist; ` +
          'create it or name an existing unprivileged account',
      );
    if (a.uid === 0)
      throw new UserError(`postgres cannot run as "${wanted}": it has uid 0; name an unprivileged account`);
    return a;
  }
  const a = lookupAccount('postgres') ?? lookupAccount('nobody');
  if (!a)
    throw new UserError(
      'running as root, but neither a "postgres" nor a "nobody" account exists to run postgres; ' +
        'create one (useradd -r postgres) or set PGRES_RUN_AS',
    );
  return a;
}

/** Can `account` enter (search) this directory, judged by its mode bits? */
function canTraverse(dir: string, account: Account): boolean {
  const st = statSync(dir);
  if (st.uid === account.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === account.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/**
 * Fail with a clear message when `account` cannot reach `target` through its parent directories.
 * `move` says where else `what` could live (the default fits a project).
 */
export function checkReachable(
  target: string,
  account: Account,
  what: string,
  move = 'move the project somewhere it can reach (e.g. under /srv or /tmp)',
): void {
  let dir = path.dirname(path.resolve(target));
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    let ok: boolean;
    try {
      ok = canTraverse(d, account);
    } catch {
      continue;
    }
    if (!ok) {
      const mode = (statSync(d).mode & 0o777).toString(8).padStart(4, '0');
      throw new UserError(
        `postgres runs as the unprivileged account "${account.name}" (devenv runs as root), but that account ` +
          `cannot enter ${d} (mode ${mode}) on the way to ${what} ${target}; ${move}, ` +
          `allow it with \`chmod o+x ${d}\`, or set PGRES_RUN_AS to an account that can`,
      );
    }
  }
}

/**
 * Give a tree to the account: never following a symlink, and each directory only after everything in it,
 * so the account cannot enter a directory of the tree before its contents are done (see the platform's
 * chownTree). `from`: only entries owned by that uid change (a tree someone else made, which may hold
 * hard links to files not theirs). The top directory is opened here, never through a link.
 */
export function handOver(target: string, from: number | null, account: Account): void {
  const failed = withDirectory(target, (fd, st) => {
    if (from !== null && st.uid !== from) return null; // replaced since the caller looked: not ours to change
    return platform().chownTree(target, fd, account, from);
  });
  if (failed === null) return;
  const why = failed.split('\n')[0];
  throw new UserError(
    `could not give ${target} to the account "${account.name}" that runs postgres (${why}); run ` +
      `\`chown -R -h ${account.name}: ${target}\` yourself, or \`devenv reset\``,
  );
}
