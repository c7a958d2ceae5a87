import type { Account } from './privileges.js';

/** What the postgres binaries need from an environment when they run as another account. */
const FOR_ANOTHER_ACCOUNT = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|LD_LIBRARY_PATH|DYLD_LIBRARY_PATH)$/;

/**
 * The environment for the postgres binaries we run: ours minus PG* variables that would steer them
 * elsewhere. Run as another account (we are root), only what they need: that account can read its
 * processes' environment (/proc/<pid>/environ), and root's may hold secrets (CI tokens, keys).
 */
export function cleanEnv(account: Account | null = null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (account && !FOR_ANOTHER_ACCOUNT.test(k)) continue;
    if (!/^PG[A-Z]/.test(k) && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return env;
}
