import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  baseEnv,
  CLI,
  cleanupProject,
  postgresProcessesUnder,
  runProcess,
  tempDir,
  waitFor,
} from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('launcher');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

test('works through a chain of symlinks (npm link, node_modules/.bin)', async () => {
  symlinkSync(CLI, path.join(dir, 'link1'));
  mkdirSync(path.join(dir, 'bin'));
  symlinkSync('../link1', path.join(dir, 'bin', 'devenv'));
  const r = await runProcess(path.join(dir, 'bin', 'devenv'), ['--version'], { cwd: dir, env: baseEnv() });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test('our node runs without NODE_OPTIONS and NODE_EXTRA_CA_CERTS; the processes we start get them back', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), '{}');
  // A NODE_OPTIONS that would break our own node if it reached it.
  const env = baseEnv({
    NODE_OPTIONS: '--require /nonexistent/preload.js',
    NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem',
  });
  const r = await runProcess(
    CLI,
    [
      'exec',
      '--',
      'sh',
      '-c',
      'printf "%s|%s|%s" "$NODE_OPTIONS" "$NODE_EXTRA_CA_CERTS" "${PGRES_SAVED_NODE_OPTIONS-none}"',
    ],
    { cwd: dir, env },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('--require /nonexistent/preload.js|/nonexistent/ca.pem|none');
  // Unset stays unset.
  const plain = await runProcess(CLI, ['exec', '--', 'sh', '-c', 'printf "%s" "${NODE_OPTIONS-unset}"'], {
    cwd: dir,
    env: baseEnv({ NODE_OPTIONS: undefined }),
  });
  expect(plain.stdout).toBe('unset');
});

test('a checkout that was never built says what to do', async () => {
  mkdirSync(path.join(dir, 'pkg', 'bin'), { recursive: true });
  copyFileSync(CLI, path.join(dir, 'pkg', 'bin', 'devenv'));
  const r = await runProcess(path.join(dir, 'pkg', 'bin', 'devenv'), ['status'], { cwd: dir, env: baseEnv() });
  expect(r.code).toBe(70);
  expect(r.stderr).toMatch(/not built yet .* run `npm install`/);
});

test(
  'up -d: the background supervisor runs without NODE_OPTIONS; its apps get it back, ' +
    "and none of up -d's own variables",
  async () => {
    const env = baseEnv({ NODE_OPTIONS: '--require /nonexistent/preload.js', NO_COLOR: undefined });
    const script =
      'echo $$ > pid; printf "%s|%s|%s" "$NODE_OPTIONS" "${NO_COLOR-unset}" "${PGRES_UP_DETACHED-unset}" > seen';
    const up = await runProcess(CLI, ['up', '-d', '--', 'sh', '-c', `${script}; exec sleep 1000`], { cwd: dir, env });
    expect(up.stderr).toMatch(/running in the background/);
    expect(up.code).toBe(0);
    await waitFor(
      () => existsSync(path.join(dir, 'seen')) && readFileSync(path.join(dir, 'seen'), 'utf8') !== '',
      'seen',
    );
    expect(readFileSync(path.join(dir, 'seen'), 'utf8')).toBe('--require /nonexistent/preload.js|unset|unset');
    const app = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    const down = await runProcess(CLI, ['down'], { cwd: dir, env });
    expect(down.code).toBe(0);
    expect(postgresProcessesUnder(dir)).toEqual([]);
    assertGroupGone(app); // the app was its own process group's leader
  },
);

test('an unexpected error is one line saying it is ours, exit 70; PGRES_DEBUG=1 adds the stack', async () => {
  // The internal refill command with a job that is not JSON: no user would type this, so it is our bug.
  const r = await runProcess(CLI, ['__refill', '{not json'], { cwd: dir, env: baseEnv() });
  expect(r.code).toBe(70);
  expect(r.stderr).toMatch(/^devenv: internal error: .*JSON.* \(run with PGRES_DEBUG=1 for the stack trace\)\n$/);
  const debug = await runProcess(CLI, ['__refill', '{not json'], { cwd: dir, env: baseEnv({ PGRES_DEBUG: '1' }) });
  expect(debug.code).toBe(70);
  expect(debug.stderr).toMatch(/^devenv: internal error: .*JSON/);
  expect(debug.stderr).toMatch(/\n\s+at /);
});

test('PGRES_TRACE=1: a timeline on stderr, in ms since the start; the output is the same; off: nothing', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), '{}');
  const env = baseEnv({ XDG_CACHE_HOME: path.join(dir, 'cache') });
  const plain = await runProcess(CLI, ['env'], { cwd: dir, env });
  expect(plain.stderr).toBe('');
  const traced = await runProcess(CLI, ['env'], { cwd: dir, env: { ...env, PGRES_TRACE: '1' } });
  expect(traced.code).toBe(0);
  expect(traced.stdout).toBe(plain.stdout);
  const lines = traced.stderr.trimEnd().split('\n');
  const marks = lines.map((l) => /^devenv trace +(\d+\.\d) ms \[(\d+)\] (.+)$/.exec(l));
  expect(
    marks.every((m) => m !== null),
    traced.stderr,
  ).toBe(true);
  expect(marks.map((m) => m![3])).toEqual([
    'node ready (bootstrap complete)',
    'cli compiled (code cache: used)',
    'cli loaded',
    'command loaded: env',
    'exit 0',
  ]);
  const times = marks.map((m) => Number(m![1]));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(new Set(marks.map((m) => m![2])).size).toBe(1);
});

test('code cache: made by the first run, taken by the next; none for __ commands, PGRES_NO_CODE_CACHE=1', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), '{}');
  const env = baseEnv({ XDG_CACHE_HOME: path.join(dir, 'cache'), PGRES_TRACE: '1' });
  const use = async (extra: Record<string, string> = {}) => {
    const r = await runProcess(CLI, ['env'], { cwd: dir, env: { ...env, ...extra } });
    expect(r.code).toBe(0);
    return /code cache: (\w+)/.exec(r.stderr)?.[1];
  };
  // An internal command runs in the background after its starter returned: it writes no cache.
  expect((await runProcess(CLI, ['__delete'], { cwd: dir, env }, '')).code).toBe(0);
  expect(existsSync(path.join(dir, 'cache', 'devenv', 'code'))).toBe(false);
  expect(await use()).toBe('none');
  expect(await use()).toBe('used');
  expect(await use({ PGRES_NO_CODE_CACHE: '1' })).toBe('off');
  // A cache directory that is not this user's alone is left alone.
  const [install] = readdirSync(path.join(dir, 'cache', 'devenv', 'code'));
  chmodSync(path.join(dir, 'cache', 'devenv', 'code', install!), 0o777);
  expect(await use()).toBe('off');
});

test('__delete (started by reset) deletes only the tree handed to it, named after its own pid', async () => {
  const victim = path.join(dir, 'precious');
  mkdirSync(victim);
  const aside = path.join(dir, '.pgres.partial-1-deleting'); // another process's
  mkdirSync(aside);
  for (const target of [victim, aside, 'relative/.pgres.partial-1-deleting']) {
    const r = await runProcess(CLI, ['__delete'], { cwd: dir, env: baseEnv() }, `${target}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^devenv: __delete deletes only the cluster reset handed to it, not .*\n$/);
  }
  expect(readdirSync(dir).sort()).toEqual(['.pgres.partial-1-deleting', 'precious']);
  // Nothing handed over (the move failed): nothing to do.
  expect((await runProcess(CLI, ['__delete'], { cwd: dir, env: baseEnv() }, '')).code).toBe(0);
});
