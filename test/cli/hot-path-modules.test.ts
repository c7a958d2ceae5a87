// What a start loads before it does its job: node:crypto costs ~3.5 ms to load, so `devenv env`,
// `status` and `hook-env` never load it (a .env included), and `devenv up` only once postgres is spawned.
// A preload in our node (bin/devenv keeps NODE_OPTIONS from it, so the bundle runs directly) reports the
// first load.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { baseEnv, cleanupProject, REPO, runProcess, tempDir, waitFor } from '../helpers/project.js';

const MAIN = path.join(REPO, 'dist', 'bundle', 'main.cjs');
const PRELOAD = `const M = require('node:module'); const load = M._load; let told = false;
M._load = function (request, ...rest) {
  if (!told && (request === 'node:crypto' || request === 'crypto')) {
    told = true;
    process.stderr.write('crypto loaded\\n');
  }
  return load.call(this, request, ...rest);
};`;

let dir: string;
let preload: string;
beforeEach(() => {
  dir = tempDir('hot-path');
  preload = path.join(tempDir('hot-path-preload'), 'preload.cjs');
  writeFileSync(preload, PRELOAD);
  writeFileSync(path.join(dir, 'devenv.json'), '{}');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

test('env, status and hook-env do not load node:crypto, with a .env or without', async () => {
  const commands = [['env'], ['status'], ['hook-env', 'bash']];
  const loads = async () => {
    const out: string[] = [];
    for (const args of commands) {
      const r = await runProcess(process.execPath, ['-r', preload, MAIN, ...args], { cwd: dir, env: baseEnv() });
      if (r.stderr.includes('crypto loaded')) out.push(args.join(' '));
    }
    return out;
  };
  expect(await loads()).toEqual([]);
  // A .env is parsed by dotenv (whose own use of node:crypto, for encrypted files, waits until it is
  // needed) and its trust checked with our SHA-256; hook-env renders it.
  writeFileSync(path.join(dir, '.env'), 'A=1\n');
  expect(await loads()).toEqual([]);
  // The preload does see a load when there is one: `allow` records the .env's hash.
  const r = await runProcess(process.execPath, ['-r', preload, MAIN, 'allow'], { cwd: dir, env: baseEnv() });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('crypto loaded');
});

test('`devenv up` loads node:crypto only after postgres is spawned', async () => {
  const up = spawn(process.execPath, ['-r', preload, MAIN, 'up'], {
    cwd: dir,
    env: baseEnv({ PGRES_TRACE: '1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  up.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => up.on('exit', resolve));
  await waitFor(() => /\] running$/m.test(err), '`devenv up` running', { timeoutMs: 30000 });
  up.kill('SIGINT');
  expect(await exited).toBe(0);
  const lines = err.split('\n');
  const spawned = lines.findIndex((l) => /\] postgres spawned \(pid \d+\)$/.test(l));
  expect(spawned).toBeGreaterThan(-1);
  expect(lines.indexOf('crypto loaded')).toBeGreaterThan(spawned);
});
