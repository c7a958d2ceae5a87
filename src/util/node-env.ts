/**
 * Node settings meant for the user's programs, not for ours: NODE_EXTRA_CA_CERTS (read at every node
 * start) and NODE_OPTIONS (could load anything into us). bin/devenv moves them aside for our own
 * node; main.ts puts them back for the processes we start.
 */
const USER_NODE_VARS = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'] as const;

/** The environment for another node process of ours (the background `up` of up -d, the cache refill). */
export function ownNodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of USER_NODE_VARS) {
    if (name in out) {
      out[`PGRES_SAVED_${name}`] = out[name];
      delete out[name];
    }
  }
  return out;
}

/** Undo what the launcher did, so apps, psql and exec'd commands see the user's settings. */
export function restoreUserNodeEnv(env: NodeJS.ProcessEnv): void {
  for (const name of USER_NODE_VARS) {
    const saved = `PGRES_SAVED_${name}`;
    if (saved in env) {
      env[name] = env[saved];
      delete env[saved];
    }
  }
}
