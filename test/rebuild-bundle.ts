/**
 * vitest's global setup: end-to-end tests run bin/devenv, the built bundle, while unit tests import src/. So
 * that both test the same code, the bundle is rebuilt first when anything it is built from is newer than it
 * (an edit since the last build; `npm test` has just built, so then this is one walk of src/, a few ms).
 * Two vitest runs starting at once build once: the build holds a lock, and the second finds it fresh.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { withLock } from '../src/util/pid-lock.js';
import { REPO } from './helpers/project.js';

const BUNDLE_MAIN = path.join(REPO, 'dist', 'bundle', 'main.cjs');
/** What the build reads besides src/ (which holds the schema too): its configuration and the dependencies. */
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json'];

/** The newest modification under src/: files, and directories (a file removed or renamed changes its directory). */
function newestUnder(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function bundleIsStale(): boolean {
  let built: number;
  try {
    built = statSync(BUNDLE_MAIN).mtimeMs;
  } catch {
    return true;
  }
  const inputs = INPUTS.map((f) => statSync(path.join(REPO, f)).mtimeMs);
  return Math.max(newestUnder(path.join(REPO, 'src')), ...inputs) > built;
}

export default async function setup(): Promise<void> {
  if (!bundleIsStale()) return;
  mkdirSync(path.join(REPO, 'dist'), { recursive: true });
  await withLock(
    path.join(REPO, 'dist', '.build.lock'),
    () => {
      if (!bundleIsStale()) return; // another vitest run built it while we waited
      const started = new Date();
      process.stderr.write('src/ is newer than dist/bundle: npm run build\n');
      const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
      // Stamped with the time the build began: a file saved during the build is newer, and is built next time.
      utimesSync(BUNDLE_MAIN, started, started);
    },
    5 * 60_000,
  );
}
