// The apps of a small real stack for the end-to-end tests of `devenv up`'s stack and its control: a
// migration task that runs SQL into the project database with node-postgres, an HTTP server that reads
// what it made, and a worker that calls the server. Each is a file the test writes into its project.
import path from 'node:path';
import { REPO } from '../helpers/project.js';

const PG = JSON.stringify(path.join(REPO, 'node_modules', 'pg'));

/** Runs migrations.sql in the project database (DATABASE_URL), in one go; an error is its last line. */
export const MIGRATE = `const pg = require(${PG});
const sql = require('node:fs').readFileSync('migrations.sql', 'utf8');
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
client.connect()
  .then(() => client.query(sql))
  .then(() => client.end())
  .then(() => console.log('migrated ' + process.env.PGDATABASE))
  .catch((e) => { console.error('migration failed: ' + e.message); process.exit(1); });
`;

export const MIGRATIONS = `create table if not exists items (name text);
truncate items;
insert into items values ('a'), ('b');
`;

/** A migration that fails, as a real one would: its table is not there. */
export const BROKEN_MIGRATIONS = 'insert into nowhere values (1);\n';

/** Answers /health, and / with what the migration made: `items=2 db=NAME`. */
export const SERVER = `const pg = require(${PG});
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
require('node:http').createServer(async (req, res) => {
  if (req.url === '/health') return res.end('ok');
  try {
    const r = await pool.query('select count(*)::int as n, current_database() as db from items');
    res.end('items=' + r.rows[0].n + ' db=' + r.rows[0].db);
  } catch (e) { res.statusCode = 500; res.end(e.message); }
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
`;

/** Calls the server once and stays. */
export const WORKER = `require('node:http').get('http://127.0.0.1:' + process.env.WEB_PORT + '/', (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => console.log('worker got: ' + body));
}).on('error', (e) => { console.error('worker: ' + e.message); process.exit(1); });
setInterval(() => {}, 1000);
`;

/** migrate ← web (ready: GET /health) ← worker; nothing restarts on file changes (the tests ask for it). */
export function stackConfig(
  port: number,
  opts: { database?: string; web?: Record<string, unknown>; migrate?: string } = {},
): string {
  return JSON.stringify({
    ...(opts.database && { postgres: { database: opts.database } }),
    processes: {
      migrate: { command: opts.migrate ?? 'node migrate.js', restart: 'never', watch: false },
      web: {
        command: 'node server.js',
        port,
        watch: false,
        dependsOn: { migrate: 'completed' },
        ready: { http: '/health' },
        ...opts.web,
      },
      worker: { command: 'node worker.js', watch: false, env: { WEB_PORT: String(port) }, dependsOn: { web: 'ready' } },
    },
  });
}

/** The files of the stack's project. */
export function stackFiles(port: number): Record<string, string> {
  return {
    'devenv.json': stackConfig(port),
    'migrate.js': MIGRATE,
    'migrations.sql': MIGRATIONS,
    'server.js': SERVER,
    'worker.js': WORKER,
  };
}

/** Every app pid devenv.log says it started (each the leader of its group): what must be gone at the end. */
export function startedGroups(devenvLog: string): number[] {
  return [...devenvLog.matchAll(/^(?:\S+ )?[\w-]+ started \(pid (\d+)\)/gm)].map((m) => Number(m[1]));
}
