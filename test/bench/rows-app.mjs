// Benchmark rows 5, 8 and 10, on a tiny HTTP app under `devenv up`: restart after a file save (against
// nodemon), the supervisor's memory with two apps, and the watcher's start and memory on a big tree.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpBody, now, runOk, sleep, startLong, stopLong, waitUntil } from './lib.mjs';
import { descendants, memoryOf } from './proc.mjs';
import { addRow } from './results.mjs';
import { CLI, ENV, freshDir, NODE, NODEMON, RUNS, SIZES } from './settings.mjs';

/** An ANSI colour sequence (ESC [ ... m), as nodemon prints them. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

// ---------------------------------------------------------------- 5: file save → app answering
const APP = (version) => `// tiny app for the restart benchmark
const http = require('node:http');
const VERSION = ${JSON.stringify(version)};
http.createServer((req, res) => res.end(VERSION)).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function waitBody(port, body, timeoutMs = 30000) {
  const ok = await waitUntil(async () => (await httpBody(port)) === body, timeoutMs, 3);
  if (!ok) throw new Error(`app on port ${port} never answered "${body}"`);
  return now();
}

let nextPort = 41000 + Math.floor(Math.random() * 2000);

export async function rowRestart() {
  const ours = freshDir('restart-ours');
  const theirs = freshDir('restart-nodemon');
  const portO = nextPort++;
  const portT = nextPort++;
  for (const d of [ours, theirs]) writeFileSync(path.join(d, 'app.js'), APP('v0'));
  writeFileSync(path.join(ours, 'devenv.json'), '{}\n');
  const up = startLong(CLI, ['up', '--', 'node', 'app.js'], { cwd: ours, env: { ...ENV, PORT: String(portO) } });
  const mon = startLong(NODE, [NODEMON, 'app.js'], { cwd: theirs, env: { ...ENV, PORT: String(portT) } });
  const s = { ours: [], theirs: [] };
  try {
    await waitBody(portO, 'v0', 60000);
    await waitBody(portT, 'v0', 60000);
    await up.waitLine(/running 1 app process/);
    await sleep(300);
    for (let i = 1; i <= RUNS; i++) {
      for (const [dir, port, into] of [
        [ours, portO, s.ours],
        [theirs, portT, s.theirs],
      ]) {
        const v = `v${i}`;
        const t0 = now();
        writeFileSync(path.join(dir, 'app.js'), APP(v));
        into.push((await waitBody(port, v)) - t0);
        await sleep(400); // let the watcher and the old instance settle
      }
    }
  } finally {
    await stopLong(up, 'SIGINT');
    await stopLong(mon, 'SIGINT');
  }
  // The floor both sides pay: the app's own start, from its spawn to its first answer.
  const alone = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = now();
    const app = startLong(NODE, ['app.js'], { cwd: ours, env: { ...ENV, PORT: String(portO) } });
    try {
      alone.push((await waitBody(portO, `v${RUNS}`)) - t0);
    } finally {
      await stopLong(app, 'SIGTERM');
    }
  }
  addRow({
    id: '5',
    title: 'file save → app restarted and answering HTTP',
    unit: 'ms',
    ours: { label: 'devenv up -- node app.js (restart at the first event)', samples: s.ours },
    theirs: { label: 'nodemon app.js (defaults)', samples: s.theirs },
    target: { maxRatio: 0.8 },
  });
  addRow({
    id: '5f',
    title: "floor of 5: the app's own start (spawn → answering), paid by both sides",
    unit: 'ms',
    ours: { label: 'node app.js alone', samples: alone },
    theirs: { label: 'nodemon app.js (defaults)', samples: s.theirs },
    target: {},
  });
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 8: supervisor memory
export async function rowMemory() {
  const dir = freshDir('memory');
  writeFileSync(path.join(dir, 'app.js'), APP('m'));
  const [p1, p2] = [nextPort++, nextPort++];
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify(
      { processes: { web: { command: 'node app.js', port: p1 }, worker: { command: 'node app.js', port: p2 } } },
      null,
      2,
    ),
  );
  const up = startLong(CLI, ['up'], { cwd: dir, env: ENV });
  let peak = 0;
  let tree = 0;
  try {
    await up.waitLine(/running 2 app processes/, 60000);
    await waitBody(p1, 'm');
    await waitBody(p2, 'm');
    const until = now() + SIZES.memorySeconds * 1000;
    while (now() < until) {
      const m = memoryOf(up.child.pid);
      if (m) peak = Math.max(peak, m.hwm);
      // Whole tree (postgres backends, sh, apps) for context; RSS double-counts shared pages.
      const t = [up.child.pid, ...descendants(up.child.pid)].reduce((a, p) => a + (memoryOf(p)?.rss ?? 0), 0);
      tree = Math.max(tree, t);
      await sleep(500);
    }
  } finally {
    await stopLong(up, 'SIGINT');
  }
  addRow({
    id: '8',
    title: `supervisor peak RSS, postgres + 2 apps for ${SIZES.memorySeconds} s`,
    unit: 'MiB',
    ours: { label: 'devenv up (VmHWM of the supervisor)', samples: [peak] },
    theirs: null,
    target: { maxValue: 80 },
    note: `whole tree incl. postgres and apps: max ${tree.toFixed(0)} MiB summed RSS`,
  });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 10: watcher on a big tree
function generateTree(dir) {
  const content = 'x\n';
  for (let i = 0; i < SIZES.treeDirs; i++) {
    const d = path.join(dir, 'src', `d${i}`);
    mkdirSync(d, { recursive: true });
    for (let j = 0; j < SIZES.treeFiles; j++) writeFileSync(path.join(d, `f${j}.js`), content);
  }
  for (let i = 0; i < SIZES.nmDirs; i++) {
    const d = path.join(dir, 'node_modules', `pkg${i}`, 'lib');
    mkdirSync(d, { recursive: true });
    for (let j = 0; j < SIZES.nmFiles; j++) writeFileSync(path.join(d, `m${j}.js`), content);
  }
}

export async function rowWatcher() {
  const dir = freshDir('watch');
  const t0 = now();
  generateTree(dir);
  const genMs = now() - t0;
  writeFileSync(path.join(dir, 'app.js'), APP('w'));
  writeFileSync(path.join(dir, 'devenv.json'), '{}\n');
  await runOk(CLI, ['init'], { cwd: dir, env: ENV });
  const files = SIZES.treeDirs * SIZES.treeFiles;
  const nm = SIZES.nmDirs * SIZES.nmFiles;
  const s = { ours: [], theirs: [], oursMem: [], theirsMem: [] };
  let nodemonCount = '';
  for (let i = 0; i < SIZES.watchRuns; i++) {
    const port = nextPort++;
    const up = startLong(CLI, ['up', '--', 'node', 'app.js'], { cwd: dir, env: { ...ENV, PORT: String(port) } });
    try {
      s.ours.push((await up.waitLine(/running 1 app process/, 300000)) - up.t0);
      await sleep(1000);
      s.oursMem.push(memoryOf(up.child.pid)?.hwm ?? NaN);
    } finally {
      await stopLong(up, 'SIGINT');
    }
    const mon = startLong(NODE, [NODEMON, '--verbose', 'app.js'], {
      cwd: dir,
      env: { ...ENV, PORT: String(nextPort++) },
    });
    try {
      s.theirs.push((await mon.waitLine(/watching \d+ files?/, 300000)) - mon.t0);
      nodemonCount = mon.lines.find((l) => /watching \d+ files?/.test(l)) ?? '';
      await sleep(1000);
      s.theirsMem.push(memoryOf(mon.child.pid)?.hwm ?? NaN);
    } finally {
      await stopLong(mon, 'SIGINT');
    }
  }
  const size = `${files} files + ${nm} in node_modules`;
  addRow({
    id: '10a',
    title: `watcher ready on ${size}`,
    unit: 'ms',
    ours: { label: 'devenv up -- node app.js → "running" (postgres start included)', samples: s.ours },
    theirs: { label: 'nodemon --verbose app.js → "watching N files"', samples: s.theirs },
    target: {},
    note:
      `tree generated in ${(genMs / 1000).toFixed(1)} s; ` +
      `nodemon said: ${nodemonCount.replace(ANSI_COLOUR, '').trim()}`,
  });
  addRow({
    id: '10b',
    title: `watcher process peak RSS on ${size}`,
    unit: 'MiB',
    ours: { label: 'devenv up (supervisor VmHWM)', samples: s.oursMem },
    theirs: { label: 'nodemon (VmHWM)', samples: s.theirsMem },
    target: {},
  });
  rmSync(dir, { recursive: true, force: true });
}
