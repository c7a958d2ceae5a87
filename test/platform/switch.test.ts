// PGRES_PLATFORM reaches devenv itself: `devenv status` asks df for the disk under the portable
// implementation and reads /proc under the Linux one, with the same answer; a value that cannot be used
// here is one line.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { devenv, tempDir } from '../helpers/project.js';
import { need, which } from '../helpers/tools.js';

const project = tempDir('platform-switch');
afterAll(() => rmSync(project, { recursive: true, force: true }));

test('PGRES_PLATFORM=portable makes devenv use ps, lsof and df; linux, /proc; a wrong value is one line', async () => {
  need('df');
  writeFileSync(path.join(project, 'devenv.json'), '{}\n');
  // A df that notes each call, then runs the real one.
  const log = path.join(project, 'df.log');
  writeFileSync(path.join(project, 'df'), `#!/bin/sh\necho "$@" >> '${log}'\nexec '${which('df')}' "$@"\n`, {
    mode: 0o755,
  });
  const status = async (platform: string) => {
    const env = { PGRES_PLATFORM: platform, PATH: `${project}:${process.env.PATH}` };
    const r = await devenv(project, ['status', '--json'], { env });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout).disk as { mount: string; totalBytes: number };
  };
  const linux = await status('linux');
  expect(() => readFileSync(log)).toThrow(/ENOENT/);
  const portable = await status('portable');
  expect(readFileSync(log, 'utf8')).toBe(`-P -k ${project}\n`);
  expect(portable).toMatchObject({ mount: linux.mount, totalBytes: linux.totalBytes });

  const bad = await devenv(project, ['status'], { env: { PGRES_PLATFORM: 'bsd' } });
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim()).toBe(
    'devenv: PGRES_PLATFORM=bsd cannot be used here; set it to "portable" or "linux" or unset it',
  );
});
