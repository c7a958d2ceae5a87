// The configuration watcher of `devenv up`, on real files: `watching` resolves once an edit would be seen.
// `up` says "running" (and `up -d` returns) only after it, so an edit made right after `up -d` returns is
// never lost; on a loaded machine the first scan took longer than the whole start (issue 23's kind of race).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { projectAt } from '../../src/project/project.js';
import { ConfigReload } from '../../src/up/config-reload.js';
import { Mutex } from '../../src/util/mutex.js';
import { waitFor } from '../helpers/wait.js';
import { apps, config, FakeTarget } from './fakes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function watchedProject() {
  const root = mkdtempSync(path.join(tmpdir(), 'devenv-config-watch-'));
  dirs.push(root);
  writeFileSync(path.join(root, 'devenv.json'), '{}\n');
  const current = projectAt(root, { config: config() });
  const touched: string[] = [];
  const reload = new ConfigReload({
    target: new FakeTarget(),
    project: { current, replace: () => {} },
    load: () => current,
    apps,
    provision: async () => {},
    exclusive: new Mutex(),
    say: () => {},
    phase: () => 'starting',
    applied: () => {},
    fatal: () => {},
    touched: (file) => touched.push(file),
  });
  return { root, reload, touched };
}

test('an edit made as soon as `watching` resolves is seen', async () => {
  const { root, reload, touched } = watchedProject();
  reload.watch();
  await reload.watching;
  // No wait at all between the two: before the fix `watching` resolved before chokidar's first scan.
  writeFileSync(path.join(root, '.env'), 'A=1\n');
  try {
    await waitFor(() => touched.includes('.env'), 'the .env edit to be seen', { timeoutMs: 5000 });
  } finally {
    await reload.close();
  }
  expect(touched).toContain('.env');
});

test('closed before its first scan, `watching` resolves (a stop during the start never hangs)', async () => {
  const { reload } = watchedProject();
  reload.watch();
  await reload.close();
  await expect(reload.watching).resolves.toBeUndefined();
});
