// A tiny web app for the devenv demo: it shows where it runs and counts visits in
// the project's own Postgres, reached through DATABASE_URL (a Unix socket, no TCP).
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';

const port = Number(process.env.PORT || 3000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });

await pool.query('create table if not exists visits (id bigserial primary key, at timestamptz not null default now())');

function localIp() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const server = http.createServer(async (req, res) => {
  if (req.url !== '/') {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    const { rows } = await pool.query(
      'with v as (insert into visits default values returning id) ' +
        "select (select count(*) from visits) + 1 as count, current_setting('server_version') as pg",
    );
    const body = [
      `Hello from devenv!`,
      `time:      ${new Date().toISOString()}`,
      `hostname:  ${os.hostname()}`,
      `user:      ${os.userInfo().username}`,
      `local IP:  ${localIp()}`,
      `runtime:   Node ${process.version}`,
      `postgres:  ${rows[0].pg}`,
      `visits:    ${rows[0].count}`,
      '',
    ].join('\n');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  } catch (err) {
    res.writeHead(500).end(`database error: ${err.message}\n`);
  }
});

server.listen(port, '127.0.0.1', () => console.log(`hello: listening on http://127.0.0.1:${port}/`));

// devenv stops apps with SIGTERM: close cleanly so the port is free at once.
process.on('SIGTERM', () => {
  server.close();
  pool.end().finally(() => process.exit(0));
});
