#!/usr/bin/env node
// How soon a dependent starts once its dependency is ready (issue 20: target ≤ 20 ms median). Not a test:
// a measurement on the built supervisor (`npm run build` first), real processes, no database.
//
//   node test/bench/dependency-latency.mjs [--runs=N]
//
// Rows:
//   reaction      the supervisor marks the dependency ready → the dependent's process is spawned
//   http / tcp    the server starts listening (its own clock) → the dependent's first instruction runs
//   log           the dependency prints its ready line → the dependent's first instruction runs
// "first instruction" is `date +%s%N` as the dependent's command: the wall clock, comparable across processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { LogOutput } from '../../dist/supervisor/log-output.js';
import { Supervisor } from '../../dist/supervisor/supervisor.js';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 25);
const dir = mkdtempSync(path.join(tmpdir(), 'devenv-dep-latency-'));
const nowMs = () => performance.timeOrigin + performance.now();

// The dependency: listens (http or tcp) or prints its ready line after a delay, and says when by the wall clock.
writeFileSync(
  path.join(dir, 'dep.js'),
  `const mode = process.argv[2], port = Number(process.argv[3]);
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
`,
);

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

/** One run: the dependency with this probe, the dependent after it; both latencies in ms. */
async function once(kind) {
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
  }[kind];
  const sup = new Supervisor({
    root: dir,
    watch: false,
    log: new LogOutput({ out, color: false }),
    apps: [
      { name: 'dep', command: `exec node dep.js ${kind} ${port}`, cwd: dir, ready },
      { name: 'app', command: 'date +%s%N; exec sleep 1000', cwd: dir, dependsOn: { dep: 'ready' } },
    ],
  });
  let readyAt = 0;
  let spawnedAt = 0;
  sup.on('readiness', ({ name, state }) => {
    if (name === 'dep' && state === 'ready') readyAt = nowMs();
  });
  sup.on('started', ({ name }) => {
    if (name === 'app') spawnedAt = nowMs();
  });
  await sup.startApps();
  const deadline = Date.now() + 10_000;
  const find = () => ({
    first: lines.find((l) => /^app +\| \d+$/.test(l)),
    depLine: lines.find((l) => /^dep +\| (AT|READY) /.test(l)),
  });
  while (!(find().first && find().depLine) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const { first, depLine } = find();
  await sup.shutdown();
  if (!first || !depLine) throw new Error(`run failed:\n${lines.join('\n')}`);
  const depAt = Number(depLine.split(' ').at(-1));
  const appAt = Number(first.split('| ')[1]) / 1e6;
  return { reaction: spawnedAt - readyAt, endToEnd: appAt - depAt };
}

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  const ms = (x) => x.toFixed(1);
  return `median ${ms(q(0.5))} ms, p90 ${ms(q(0.9))} ms, min ${ms(v[0])}, max ${ms(v.at(-1))} (n=${v.length})`;
}

const results = { reaction: [], http: [], tcp: [], log: [] };
for (let i = 0; i < runs; i++) {
  for (const kind of ['http', 'tcp', 'log']) {
    const r = await once(kind);
    results.reaction.push(r.reaction);
    results[kind].push(r.endToEnd);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`dependency ready → dependent spawned (supervisor reaction): ${stats(results.reaction)}`);
for (const kind of ['http', 'tcp', 'log'])
  console.log(`${kind.padEnd(4)} dependency ready → dependent's first instruction: ${stats(results[kind])}`);
