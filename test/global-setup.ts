// One directory per test run (`npm test`, or vitest on some files), made before any worker starts and
// removed at the end: the state, trust store and hook cache every CLI run by the tests uses live in it.
// Two runs on one machine (two checkouts, CI and a developer) then never share them. The workers find
// it through RUN_DIR_ENV, which they inherit.
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RUN_DIR_ENV } from './helpers/run-dir.js';

export default function setup(): () => void {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'devenv-test-run-')));
  // Root's (0755): the account postgres runs as may pass through, nobody else can change what is in it.
  chmodSync(dir, 0o755);
  process.env[RUN_DIR_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
