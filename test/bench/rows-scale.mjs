// Benchmark row 9: many projects started with `up -d` at once, then all stopped at once.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { now } from './lib.mjs';
import { postmasterPid, waitConnect } from './postgres-sides.mjs';
import { pidAlive } from './proc.mjs';
import { addRow, errors, rows } from './results.mjs';
import { devenv, freshDir, SIZES } from './settings.mjs';

// ---------------------------------------------------------------- 9: many projects at once
export async function rowScale() {
  const n = SIZES.projects;
  const dirs = Array.from({ length: n }, () => freshDir('scale'));
  for (const d of dirs) writeFileSync(path.join(d, 'devenv.json'), '{}\n');
  let t0 = now();
  const ups = await Promise.all(dirs.map((d) => devenv(d, ['up', '-d'])));
  const upMs = now() - t0;
  const failed = ups.filter((r) => r.code !== 0);
  const pids = new Set();
  let connected = 0;
  for (const d of dirs) {
    try {
      await waitConnect(path.join(d, '.pgres'), 5000);
      connected++;
      const pm = postmasterPid(path.join(d, '.pgres'));
      if (pm) pids.add(pm);
    } catch {
      // counted as not ready
    }
  }
  t0 = now();
  let downs = await Promise.all(dirs.map((d) => devenv(d, ['down'])));
  let downMs = now() - t0;
  let downNote = '';
  if (downs.some((r) => r.code !== 0)) {
    downNote = ` (devenv down failed: ${downs
      .find((r) => r.code !== 0)
      .stderr.trim()
      .slice(0, 100)}; timed \`devenv reset -y\` instead)`;
    t0 = now();
    downs = await Promise.all(dirs.map((d) => devenv(d, ['reset', '-y'])));
    downMs = now() - t0;
  }
  const left = dirs.filter((d) => {
    const pm = postmasterPid(path.join(d, '.pgres'));
    return pm && pidAlive(pm);
  }).length;
  const ok = failed.length === 0 && connected === n && pids.size === n && left === 0;
  addRow({
    id: '9a',
    title: `${n} projects \`up -d\` at once → all ready`,
    unit: 'ms',
    ours: { label: `${n}× devenv up -d (cold, template cached)`, samples: [upMs] },
    theirs: null,
    target: { text: 'all ready, no conflicts' },
    met: failed.length === 0 && connected === n && pids.size === n,
    note:
      `${n - failed.length}/${n} exited 0, ${connected}/${n} accept connections, ${pids.size} distinct postmasters` +
      (failed.length ? `; first failure: ${(failed[0].stderr || failed[0].stdout).trim().slice(0, 160)}` : ''),
  });
  addRow({
    id: '9b',
    title: `then all ${n} \`down\` at once`,
    unit: 'ms',
    ours: { label: `${n}× devenv down`, samples: [downMs] },
    theirs: null,
    target: { text: 'nothing left' },
    met: left === 0 && downs.every((r) => r.code === 0),
    note: `${left} postgres left running${downNote}`,
  });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!ok) errors.push(`row 9: ${rows.at(-2).note}; ${rows.at(-1).note}`);
}
