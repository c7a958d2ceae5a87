// Benchmark row 7: how long the light commands take to start, against node starting and doing nothing.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runOk } from './lib.mjs';
import { addRow } from './results.mjs';
import { CLI, ENV, freshDir, NODE, RUNS } from './settings.mjs';

// ---------------------------------------------------------------- 7: start time of light commands
export async function rowStartTime() {
  const dir = freshDir('start');
  writeFileSync(path.join(dir, 'devenv.json'), '{}\n');
  const s = { help: [], env: [], node: [] };
  for (let i = 0; i < Math.max(RUNS * 3, 1); i++) {
    s.node.push((await runOk(NODE, ['-e', '0'], { cwd: dir, env: ENV })).ms);
    s.help.push((await runOk(CLI, ['--help'], { cwd: dir, env: ENV })).ms);
    s.env.push((await runOk(CLI, ['env'], { cwd: dir, env: ENV })).ms);
  }
  const extra = process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS set, as in this environment)' : '';
  addRow({
    id: '7a',
    title: 'start time: devenv --help',
    unit: 'ms',
    ours: { label: 'devenv --help', samples: s.help },
    theirs: { label: `node -e 0${extra}`, samples: s.node },
    target: { maxRatio: 1.3 },
  });
  addRow({
    id: '7b',
    title: 'start time: devenv env',
    unit: 'ms',
    ours: { label: 'devenv env', samples: s.env },
    theirs: { label: `node -e 0${extra}`, samples: s.node },
    target: { maxRatio: 1.3 },
  });
  rmSync(dir, { recursive: true, force: true });
}
