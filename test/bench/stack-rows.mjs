// Benchmark rows for a stack under `devenv up` (issue 20): how soon a dependent starts once its dependency is
// ready, how soon `up -d` returns once the last process is ready, and `devenv restart web` against nodemon's
// manual restart (`rs`) of the same app. Run by run.mjs, which hands each row what it shares (see `ctx`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { now, sleep, startLong, stopLong, waitUntil } from './lib.mjs';

/** The wall clock with sub-millisecond digits: comparable across processes. */
const wallMs = () => performance.timeOrigin + performance.now();

async function freePort() {
  for (;;) {
    const port = 10000 + Math.floor(Math.random() * 10000);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

// ---------------------------------------------------------------- 14: dependency ready → dependent spawned
/** The dependency: listens (http, tcp) or prints its ready line after a delay, and says when by the wall clock. */
const DEPENDENCY = `const mode = process.argv[2], port = Number(process.argv[3]);
const at = () => (performance.timeOrigin + performance.now()).toFixed(3);
setTimeout(() => {
  if (mode === 'log') { console.log('READY ' + at()); }
  else {
    const server = mode === 'http'
      ? require('node:http').createServer((q, s) => s.end('ok'))
      : require('node:net').createServer((s) => s.destroy());
    server.listen(port, '127.0.0.1', () => console.log('AT ' + at()));
  }
}, 150 + Math.random() * 100);
setInterval(() => {}, 1000);
`;

/**
 * One run on the built supervisor (no database): the dependency with this probe, the dependent after it.
 * `reaction`: the supervisor marks the dependency ready → the dependent is spawned; `endToEnd`: the
 * dependency listens (or prints its line) → the dependent's first instruction (`date +%s%N`) runs.
 */
async function dependencyOnce(repo, dir, kind) {
  const { Supervisor } = await import(path.join(repo, 'dist/supervisor/supervisor.js'));
  const { LogOutput } = await import(path.join(repo, 'dist/supervisor/log-output.js'));
  const port = await freePort();
  const lines = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n'));
      cb();
    },
  });
  const ready = {
    http: { kind: 'http', port, path: '/' },
    tcp: { kind: 'tcp', port },
    log: { kind: 'log', pattern: '^READY' },
  };
  const sup = new Supervisor({
    root: dir,
    watch: false,
    log: new LogOutput({ out, color: false }),
    apps: [
      { name: 'dep', command: `exec node dep.js ${kind} ${port}`, cwd: dir, ready: ready[kind] },
      { name: 'app', command: 'date +%s%N; exec sleep 1000', cwd: dir, dependsOn: { dep: 'ready' } },
    ],
  });
  let readyAt = 0;
  let spawnedAt = 0;
  sup.on('readiness', ({ name, state }) => {
    if (name === 'dep' && state === 'ready') readyAt = wallMs();
  });
  sup.on('started', ({ name }) => {
    if (name === 'app') spawnedAt = wallMs();
  });
  await sup.startApps();
  const find = () => ({
    first: lines.find((l) => /^app +\| \d+$/.test(l)),
    depLine: lines.find((l) => /^dep +\| (AT|READY) /.test(l)),
  });
  await waitUntil(() => find().first && find().depLine, 10000, 5);
  await sup.shutdown();
  const { first, depLine } = find();
  if (!first || !depLine) throw new Error(`dependency run (${kind}) failed:\n${lines.join('\n')}`);
  const depAt = Number(depLine.split(' ').at(-1));
  const appAt = Number(first.split('| ')[1]) / 1e6;
  return { reaction: spawnedAt - readyAt, endToEnd: appAt - depAt };
}

export async function rowDependency(ctx) {
  const dir = mkdtempSync(path.join(tmpdir(), 'devenv-bench-dep-'));
  writeFileSync(path.join(dir, 'dep.js'), DEPENDENCY);
  const reaction = [];
  const endToEnd = { http: [], tcp: [], log: [] };
  try {
    for (let i = 0; i < Math.max(1, Math.ceil(ctx.runs * 1.5)); i++) {
      for (const kind of ['http', 'tcp', 'log']) {
        const r = await dependencyOnce(ctx.repo, dir, kind);
        reaction.push(r.reaction);
        endToEnd[kind].push(r.endToEnd);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
  ctx.addRow({
    id: '14',
    title: 'dependency ready → dependent spawned (http, tcp, log probes)',
    unit: 'ms',
    ours: { label: 'supervisor: ready → spawn', samples: reaction },
    target: { maxValue: 20 },
    note:
      `dependency listening (or printing its line) → the dependent's first instruction, medians: http ` +
      `${med(endToEnd.http)} ms, tcp ${med(endToEnd.tcp)} ms, log ${med(endToEnd.log)} ms ` +
      '(probe delay and spawn included)',
  });
}

// ---------------------------------------------------------------- 15: up -d returns after the last ready
/** Prints its ready line with the wall clock after a delay, then stays. */
const READY_LATER = `setTimeout(() => console.log('READY ' + (performance.timeOrigin + performance.now()).toFixed(3)),
  200 + Math.random() * 100);
setInterval(() => {}, 1000);
`;

export async function rowUpDetachReturn(ctx) {
  const dir = ctx.freshDir('up-d-return');
  writeFileSync(path.join(dir, 'ready.js'), READY_LATER);
  const log = { log: '^READY' };
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify({
      processes: {
        web: { command: 'node ready.js', watch: false, ready: log },
        worker: { command: 'node ready.js', watch: false, ready: log, dependsOn: { web: 'ready' } },
      },
    }),
  );
  const samples = [];
  try {
    for (let i = 0; i < ctx.runs; i++) {
      const r = await ctx.devenv(dir, ['up', '-d']);
      const returned = wallMs();
      if (r.code !== 0) throw new Error(`devenv up -d failed: ${r.stderr.trim()}`);
      const logs = await ctx.devenv(dir, ['logs', 'worker']);
      // This run's line: the log keeps the earlier runs' too.
      const at = [...logs.stdout.matchAll(/READY (\d+\.\d+)/g)].at(-1)?.[1];
      if (!at) throw new Error(`no ready line in the worker's log: ${logs.stdout}`);
      samples.push(returned - Number(at));
      await ctx.devenv(dir, ['down']);
    }
  } finally {
    await ctx.devenv(dir, ['down']);
  }
  ctx.addRow({
    id: '15',
    title: '`devenv up -d` returns after the last process became ready',
    unit: 'ms',
    ours: { label: 'its ready line (log probe) → up -d has exited', samples },
    target: { maxValue: 30 },
  });
}

// ---------------------------------------------------------------- 16: devenv restart web vs nodemon's rs
/** Answers its pid: a new instance is one that answers another pid. */
const PID_APP = `require('node:http').createServer((req, res) => res.end(String(process.pid)))
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

function getBody(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
  });
}

/** From `t0`: until the app on `port` answers with a pid other than `old`; ms. */
async function newAnswer(port, old, t0) {
  let body = null;
  const ok = await waitUntil(
    async () => {
      body = await getBody(port);
      return body !== null && body !== old;
    },
    30000,
    3,
  );
  if (!ok) throw new Error(`the app on port ${port} never answered again`);
  return { ms: now() - t0, body };
}

export async function rowRestartCommand(ctx) {
  const ours = ctx.freshDir('restart-cmd-ours');
  const theirs = ctx.freshDir('restart-cmd-nodemon');
  const portO = await freePort();
  const portT = await freePort();
  for (const d of [ours, theirs]) writeFileSync(path.join(d, 'app.js'), PID_APP);
  writeFileSync(
    path.join(ours, 'devenv.json'),
    JSON.stringify({
      processes: { web: { command: 'node app.js', port: portO, watch: false, ready: { http: '/' } } },
    }),
  );
  const up = await ctx.devenv(ours, ['up', '-d']);
  if (up.code !== 0) throw new Error(`devenv up -d failed: ${up.stderr.trim()}`);
  // nodemon restarts on `rs` typed into its terminal: a pipe here.
  const mon = startLong(ctx.node, [ctx.nodemon, 'app.js'], {
    cwd: theirs,
    env: { ...ctx.env, PORT: String(portT) },
    stdin: 'pipe',
  });
  const s = { ours: [], theirs: [], returned: [] };
  try {
    let bodyO = (await newAnswer(portO, null, now())).body;
    let bodyT = (await newAnswer(portT, null, now())).body;
    for (let i = 0; i < ctx.runs; i++) {
      let t0 = now();
      const restart = ctx.devenv(ours, ['restart', 'web']);
      const o = await newAnswer(portO, bodyO, t0);
      const r = await restart;
      if (r.code !== 0) throw new Error(`devenv restart web failed: ${r.stderr.trim()}`);
      s.ours.push(o.ms);
      s.returned.push(r.ms);
      bodyO = o.body;
      await sleep(200);
      t0 = now();
      mon.child.stdin.write('rs\n');
      const t = await newAnswer(portT, bodyT, t0);
      s.theirs.push(t.ms);
      bodyT = t.body;
      await sleep(200);
    }
  } finally {
    await ctx.devenv(ours, ['down']);
    await stopLong(mon, 'SIGINT');
  }
  const med = [...s.returned].sort((a, b) => a - b)[s.returned.length >> 1];
  ctx.addRow({
    id: '16',
    title: '`devenv restart web` → web answering HTTP again',
    unit: 'ms',
    ours: { label: 'devenv restart web (a new CLI process; up -d)', samples: s.ours },
    theirs: { label: 'nodemon app.js, `rs` typed into it', samples: s.theirs },
    target: {},
    note: `\`devenv restart web\` itself returned after ${med.toFixed(0)} ms (median; it waits for the probe)`,
  });
}
