import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { platform } from '../../src/platform/platform.js';
import { type ProjectPaths, projectPaths } from '../../src/project/paths.js';
import { processGone } from '../../src/util/liveness.js';
import { findProcesses } from './proc.js';
import { runSubdir } from './run-dir.js';
import { need } from './tools.js';
import { waitFor } from './wait.js';

export { waitFor } from './wait.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = path.join(REPO, 'bin', 'devenv');
export const IS_ROOT = process.getuid?.() === 0;

/** Temp dirs under /tmp (1777): reachable by the unprivileged account postgres runs as under root. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `devenv-test-${label}-`));
  chmodSync(dir, 0o755);
  return realpathSync(dir);
}

/**
 * The template cache, shared by every test run of this user on the machine, so only the first init of
 * each flavour runs initdb. Sharing is safe because devenv makes it safe for concurrent `devenv init`s
 * of one user (they share ~/.cache/devenv the same way): a template is built in a directory of its
 * own (`<template>.tmp-<pid>`) and published by one rename, which fails for the second of two racing
 * builders (it then removes its copy); readers only take a template whose PG_VERSION is there, and a
 * published template is never changed. server-versions.json is replaced whole (write, then rename).
 * Spares are off in tests but for spares.test.ts, which has a cache of its own per test.
 */
export function testCacheDir(): string {
  const dir = path.join(tmpdir(), `devenv-test-cache-${process.getuid?.() ?? 'x'}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where root keeps devenv's private per-project dirs in tests (not under /root): this run's own. */
export function testStateDir(): string {
  // A test file may need a longer one (its own worker's environment: no other file sees it).
  return process.env.PGRES_TEST_STATE_DIR ?? runSubdir('state', 0o700);
}

/** The project's paths as the CLI run by devenv() sees them (as root, logs and state are outside .pgres). */
export function pathsOf(dir: string): ProjectPaths {
  return projectPaths(dir, baseEnv());
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // No background spare refills (test/postgres/spares.test.ts covers them): every test's processes stay its own.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGRES_CACHE_DIR: testCacheDir(),
    PGRES_NO_SPARES: '1',
    NO_COLOR: '1',
    XDG_STATE_HOME: testStateDir(),
    // The trust store (`allow`) and the shell hook's cache: this run's, not the user's.
    XDG_DATA_HOME: runSubdir('data'),
    XDG_CACHE_HOME: runSubdir('cache-home'),
  };
  for (const k of Object.keys(env)) if (/^PG[A-Z]/.test(k) && !k.startsWith('PGRES_')) delete env[k];
  delete env.DATABASE_URL;
  return { ...env, ...extra };
}

/**
 * Run the real CLI (bin/devenv, as a user would) and collect its output. `devenv psql` and `devenv exec
 * -- psql` need the psql client: without one the test is skipped there, saying so (need('psql')).
 */
export function devenv(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  if (runsPsql(args)) need('psql');
  return runProcess(CLI, [...args], { cwd, env: baseEnv(opts.env) }, opts.input, opts.timeoutMs);
}

/** Does this devenv command line run the psql client? */
export function runsPsql(args: string[]): boolean {
  const command = args[0] === 'exec' ? args[args.indexOf('--') + 1] : args[0];
  return command === 'psql';
}

/** Run a program to completion with execa; a non-zero exit is a result to assert on, not an exception. */
export async function runProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  input?: string,
  timeoutMs = 60000,
): Promise<CliResult> {
  const r = await execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: input ?? '',
    reject: false,
    stripFinalNewline: false,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { code: r.exitCode ?? null, stdout: r.stdout, stderr: r.stderr };
}

/** Processes whose command line names postgres and whose cwd is inside `dir` (postgres chdirs into its data dir). */
export function postgresProcessesUnder(dir: string): number[] {
  return findProcesses((p) => {
    if (!/postgres/.test(p.cmdline())) return false;
    const cwd = p.cwd();
    return cwd === dir || cwd.startsWith(`${dir}/`);
  });
}

/** Stop whatever a test left, then remove its dir; returns the postgres pids that were still there. */
export async function cleanupProject(dir: string, env: Record<string, string | undefined> = {}): Promise<number[]> {
  if (!dir) return []; // a test skipped before it made its project
  const left = postgresProcessesUnder(dir);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres to end after SIGQUIT');
  spawnSync(CLI, ['reset', '-y'], { cwd: dir, env: baseEnv(env), stdio: 'ignore' });
  // reset leaves the old cluster to a detached, niced `devenv __delete` (its pid in the tree's name).
  // Nothing a test started may outlive it; under a CPU hog a niced process barely runs, so we delete
  // the tree ourselves and end the deleter rather than wait for it.
  const deleters = existsSync(dir)
    ? readdirSync(dir)
        .flatMap((name) => /(\d+)-deleting$/.exec(name)?.[1] ?? [])
        .map(Number)
    : [];
  rmSync(dir, { recursive: true, force: true });
  const deleting = (pid: number) => !processGone(pid) && (platform().commandLine(pid) ?? '').includes('__delete');
  for (const pid of deleters.filter(deleting)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // ended meanwhile
    }
  }
  await waitFor(() => !deleters.some(deleting), 'the background delete of reset to end', { timeoutMs: 60_000 });
  return left;
}

/** The two kinds of server binaries every cluster test runs against, and what each needs (see tools.ts). */
export const FLAVOURS: { name: string; bindir: string; needs: string[] }[] = [
  { name: 'system', bindir: 'system', needs: ['system-postgres'] },
  { name: 'embedded', bindir: 'embedded', needs: [] },
];

/** Does the listening-socket table show a TCP listener owned by this process? */
export function tcpListenersOf(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const listeners: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // field 3 is the state (0A = LISTEN), field 9 the inode
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) listeners.push(f[1]!);
    }
  }
  return listeners;
}
