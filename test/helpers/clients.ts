import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './project.js';

/** node-postgres as the project depends on it, for scripts run by `devenv exec` outside the repo. */
export const PG_MODULE = path.join(REPO, 'node_modules', 'pg');

/**
 * Write a node script that runs `body` with `pg` (node-postgres) and `env` in scope and prints what
 * it returns as JSON; errors are printed as {error, code} so a test can assert on them.
 */
export function nodePgScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `const pg = require(${JSON.stringify(PG_MODULE)});
const env = process.env;
async function q(config, sql, params) {
  const c = new pg.Client(config);
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.query(sql, params)).rows;
  } catch (err) {
    return { error: err.message, code: err.code };
  } finally {
    await c.end().catch(() => {});
  }
}
(async () => {
${body}
})().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
`,
  );
  return file;
}
