/** The environment for the postgres binaries we run: ours minus PG* variables that would steer them elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^PG[A-Z]/.test(k) && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return env;
}
