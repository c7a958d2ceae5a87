// `devenv exec` and `devenv up` apply the whole .env, allowed or not (foreman-like); when it is not
// allowed and sets keys the shell hook would block, they say so once on stderr.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { devenv, pathsOf, tempDir } from '../helpers/project.js';
import { finish, makeProject, writeFile } from './helpers.js';

const NOTE = new RegExp(
  'note: \\.env is not allowed and sets BASH_ENV, PROMPT_COMMAND, which the shell hook never loads; ' +
    'devenv exec and devenv up apply the whole file anyway',
);

describe('an un-allowed .env with keys the shell hook blocks', () => {
  const data = tempDir('dotenv-note-data');
  const env = { XDG_DATA_HOME: data };
  const dir = makeProject('dotenv-note', {
    'devenv.json': '{}\n',
    '.env': 'FOO=bar\nBASH_ENV=/dev/null\nPROMPT_COMMAND=true\n',
  });
  afterAll(async () => {
    await finish(dir, []);
    rmSync(data, { recursive: true, force: true });
  });

  it('exec says it once, and still applies the whole file', async () => {
    const r = await devenv(dir, ['exec', '--no-server', '--', 'sh', '-c', 'echo "$FOO $BASH_ENV"'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('bar /dev/null\n');
    expect(r.stderr.match(new RegExp(NOTE, 'g'))).toHaveLength(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('up -d says it once, on its own stderr and not in the background log', async () => {
    const r = await devenv(dir, ['up', '-d'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(new RegExp(NOTE, 'g'))).toHaveLength(1);
    expect(readFileSync(pathsOf(dir).upLog, 'utf8')).not.toMatch(NOTE);
    expect((await devenv(dir, ['down'])).code).toBe(0);
  });

  it('nothing once it is allowed, or when it sets only plain keys', async () => {
    expect((await devenv(dir, ['allow'], { env })).code).toBe(0);
    const allowed = await devenv(dir, ['exec', '--no-server', '--', 'true'], { env });
    expect(allowed.stderr).toBe('');
    writeFile(dir, '.env', 'FOO=baz\n'); // changed, so not allowed any more, but harmless
    const plain = await devenv(dir, ['exec', '--no-server', '--', 'true'], { env });
    expect(plain.stderr).toBe('');
  });
});
