/**
 * The shell hook's cached answers rendered by other devenv processes: a running `up` when .env changes,
 * `devenv allow` after it writes the trust. The next bash entering the project reads the answer without
 * starting node (its node is a wrapper that counts its runs). An answer this process would render
 * differently (another trust store) is left to the hook.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { projectPaths } from '../../src/project/paths.js';
import { HookAnswers } from '../../src/shell/answer-refresh.js';
import { bash as bashShell } from '../../src/shell/bash.js';
import { renderHookEnv } from '../../src/shell/hook-answer.js';
import { hookCacheDir, projectHookDir } from '../../src/shell/hook-cache.js';
import { baseEnv, CLI, cleanupProject, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

let work: string;
let project: string;
let env: NodeJS.ProcessEnv;
let hookFile: string;
const runsFile = () => path.join(work, 'node-runs');
const nodeRuns = () => readFileSync(runsFile(), 'utf8').split('\n').filter(Boolean).length;

beforeAll(() => {
  work = tempDir('answer-refresh');
  project = path.join(work, 'proj');
  mkdirSync(project);
  chmodSync(project, 0o755);
  writeFileSync(path.join(project, 'devenv.json'), '{}\n');
  writeFileSync(path.join(project, '.env'), 'GREETING=one\n');
  env = baseEnv({
    HOME: work,
    XDG_CACHE_HOME: path.join(work, 'cache'),
    XDG_DATA_HOME: path.join(work, 'data'),
    PWD: project,
  });
  // The hook's node: counts each run, then is the real one.
  const counting = path.join(work, 'node');
  writeFileSync(counting, `#!/bin/sh\necho run >> '${runsFile()}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  writeFileSync(runsFile(), '');
  hookFile = path.join(work, 'hook.bash');
  const hook = spawnSync(CLI, ['hook', 'bash'], { encoding: 'utf8', env, cwd: work });
  expect(hook.status).toBe(0);
  writeFileSync(hookFile, `${hook.stdout}\n__pgres_node='${counting}'\n`);
});
afterAll(async () => {
  expect(await cleanupProject(project, env)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

/** A new bash enters the project: what GREETING is there, and what the hook said. */
function enter(): { greeting: string; said: string } {
  need('bash');
  // The first prompt of a shell says nothing but errors: start outside, then enter.
  const script = `. '${hookFile}'; __pgres_hook; cd '${project}'; __pgres_hook; printf '%s' "\${GREETING-unset}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', env, cwd: work });
  expect(r.status).toBe(0);
  return { greeting: r.stdout, said: r.stderr };
}

const devenv = (...args: string[]) => spawnSync(CLI, args, { encoding: 'utf8', env, cwd: project });
const answerFile = () => path.join(projectHookDir(hookCacheDir(env), project), 'bash');
/** What the background up said (its trace), and the hook dir's files with their times: why no render was seen. */
function upTimeline(): string {
  const dir = projectHookDir(hookCacheDir(env), project);
  const times = readdirSync(dir).map((f) => `${f} ${statSync(path.join(dir, f), { bigint: true }).mtimeNs}`);
  const envTime = statSync(path.join(project, '.env'), { bigint: true }).mtimeNs;
  let log: string;
  try {
    log = readFileSync(projectPaths(project, env).upLog, 'utf8');
  } catch (err) {
    log = `(no up.log: ${err})`;
  }
  return [`.env ${envTime}`, ...times, log].join('\n');
}

function stampNewerThan(file: string): boolean {
  const dir = projectHookDir(hookCacheDir(env), project);
  // The stamp the answer names, as the hook reads it: a render writes its new stamp before the answer.
  let answer = '';
  try {
    answer = readFileSync(path.join(dir, 'bash'), 'utf8');
  } catch {
    return false;
  }
  const stamp = readdirSync(dir).find((f) => f.startsWith('stamp.bash.') && answer.includes(f));
  const time = (p: string) => statSync(p, { bigint: true }).mtimeNs;
  return stamp !== undefined && time(path.join(dir, stamp)) > time(file);
}

test('an answer is re-rendered only by a process that renders it as the hook did', () => {
  // A project of its own, with answers made here in the test process (no node, no server).
  const dir = path.join(work, 'unit');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'devenv.json'), '{}\n');
  writeFileSync(path.join(dir, '.env'), 'A=1\n');
  const cache = path.join(work, 'unit-cache');
  const mine = { ...env, XDG_CACHE_HOME: cache, PWD: dir };
  renderHookEnv(bashShell, hookCacheDir(mine), dir, mine);
  expect(HookAnswers.verify(dir, mine).size).toBe(1);
  // Another trust store gives another answer: never rewritten by that process.
  expect(HookAnswers.verify(dir, { ...mine, XDG_DATA_HOME: path.join(work, 'other-data') }).size).toBe(0);
  const answers = HookAnswers.verify(dir, mine);
  const file = path.join(projectHookDir(hookCacheDir(mine), dir), 'bash');
  const before = readFileSync(file, 'utf8');
  writeFileSync(path.join(dir, 'devenv.json'), '{"postgres": {"database": "other"}}\n');
  answers.refresh();
  const after = readFileSync(file, 'utf8');
  expect(after).not.toBe(before);
  expect(after).toContain('other');
  // No answer yet: nothing to verify, nothing written.
  rmSync(projectHookDir(hookCacheDir(mine), dir), { recursive: true });
  HookAnswers.verify(dir, mine).refresh();
  expect(() => readFileSync(file)).toThrow();
});

test('with `up` running, an edited .env is entered without node; `devenv allow` renders it too', async () => {
  // An answer made before .pgres existed is stale once it does (the hook looks again): start from a cluster.
  expect(devenv('init').status).toBe(0);
  expect(devenv('allow').status).toBe(0);
  expect(enter().greeting).toBe('one'); // the first entry renders: node runs once
  expect(nodeRuns()).toBe(1);
  // Its timeline (answers verified, rendered after a change) goes to up.log, shown if the wait fails.
  const up = spawnSync(CLI, ['up', '-d'], { encoding: 'utf8', env: { ...env, PGRES_TRACE: '1' }, cwd: project });
  expect(up.status, up.stderr).toBe(0);
  try {
    // `up` checks the answers once it runs; then an edit, saved in two steps as many editors do (truncate,
    // then write): chokidar reports the first only (its 50 ms throttle), and up renders again after the write.
    const fd = openSync(path.join(project, '.env'), 'w');
    await new Promise((r) => setTimeout(r, 20));
    writeSync(fd, 'GREETING=two\n');
    closeSync(fd);
    // As the hook checks: its stamp newer than the file (a person takes longer than that to press enter).
    await waitFor(() => stampNewerThan(path.join(project, '.env')), 'up rendering the answer again', {
      detail: () => upTimeline(),
    });
    const blocked = enter();
    expect(blocked.greeting).toBe('unset'); // changed since `devenv allow`: blocked, and the hook says so
    expect(blocked.said).toContain('GREETING');
    expect(nodeRuns()).toBe(1);
    expect(devenv('allow').status).toBe(0);
    expect(enter().greeting).toBe('two');
    expect(nodeRuns()).toBe(1);
    expect(readFileSync(answerFile(), 'utf8')).toContain('two');
  } finally {
    expect(devenv('down').status).toBe(0);
  }
});
