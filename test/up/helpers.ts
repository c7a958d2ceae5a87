// Helpers for end-to-end `devenv up` tests: real CLI, real postgres, real child processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { logToRead } from '../../src/project/paths.js';
import { procStat } from '../helpers/proc.js';
import {
  baseEnv,
  CLI,
  cleanupProject,
  devenv,
  pathsOf,
  postgresProcessesUnder,
  tempDir,
  waitFor,
} from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';

export interface ProcessRow {
  name: string;
  pid: number | null;
  state: string;
  restarts: number;
  startedAt: string | null;
}

/** A temp project with these files (paths relative to its root). */
export function makeProject(label: string, files: Record<string, string>): string {
  const dir = tempDir(label);
  for (const [name, text] of Object.entries(files)) writeFile(dir, name, text);
  return dir;
}

export function writeFile(dir: string, name: string, text: string): void {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export async function statusJson(dir: string): Promise<{
  supervisor: { pid: number; phase: string } | null;
  server: { pid: number | null };
  processes: ProcessRow[];
}> {
  const r = await devenv(dir, ['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

export async function processRow(dir: string, name: string): Promise<ProcessRow | undefined> {
  return (await statusJson(dir)).processes.find((p) => p.name === name);
}

/** Wait until `name` runs with a pid other than `not` (status is republished at least once a second). */
export async function waitRunning(dir: string, name: string, not?: number | null): Promise<ProcessRow> {
  let row: ProcessRow | undefined;
  await waitFor(
    async () => {
      row = await processRow(dir, name);
      return Boolean(row && row.state === 'running' && row.pid && row.pid !== not);
    },
    `${name} running`,
    { timeoutMs: 15000, stepMs: 100, detail: () => `last: ${JSON.stringify(row)}` },
  );
  return row!;
}

export function logText(dir: string, name: string): string {
  try {
    return readFileSync(logToRead(pathsOf(dir), name), 'utf8');
  } catch {
    return '';
  }
}

/** A log's text without the time devenv writes before each line: the lines as the process wrote them. */
export function withoutTimes(text: string): string {
  return text.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, '');
}

/** Wait until the per-process log of `name` matches (its lines as the process wrote them: times left out). */
export async function waitLog(dir: string, name: string, re: RegExp, timeoutMs = 15000): Promise<void> {
  await waitFor(() => re.test(withoutTimes(logText(dir, name))), `${name}.log matching ${re}`, {
    timeoutMs,
    detail: () => `it has:\n${logText(dir, name)}\n--- devenv.log:\n${logText(dir, 'devenv')}`,
  });
}

export async function psql(dir: string, sql: string): Promise<string> {
  const r = await devenv(dir, ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Environment of a live process as a map (we run as root or as its owner, so it is readable). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

/** Pid of the supervisor as published in the state file (readable even when devenv.json is not). */
export function supervisorPid(dir: string): number | null {
  try {
    return (
      JSON.parse(readFileSync(pathsOf(dir).upState, 'utf8')) as {
        pid: number;
      }
    ).pid;
  } catch {
    return null;
  }
}

export function upState(dir: string): { pid: number; phase: string; processes: ProcessRow[] } {
  return JSON.parse(readFileSync(pathsOf(dir).upState, 'utf8'));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** `devenv up` in the foreground, with its output collected. */
export class ForegroundUp {
  readonly child: ChildProcess;
  output = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(dir: string, args: string[] = [], env: Record<string, string> = {}) {
    this.child = spawn(CLI, ['up', ...args], { cwd: dir, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.closed = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  async waitOutput(re: RegExp, timeoutMs = 20000): Promise<void> {
    await waitFor(() => re.test(this.output), `output matching ${re}`, {
      timeoutMs,
      detail: () => `got:\n${this.output}`,
    });
  }
}

/**
 * The end of every test project: stop what may run, then prove nothing of ours is left — no
 * postgres whose cwd is in the project, none of the app groups the test saw.
 */
export async function finish(dir: string, appGroups: Iterable<number>): Promise<void> {
  const supervisor = supervisorPid(dir);
  await devenv(dir, ['down']);
  // Whatever `down` could not stop: never leave a supervisor behind to restart postgres.
  const leftSupervisor = supervisor !== null && pidAlive(supervisor);
  if (leftSupervisor) process.kill(supervisor, 'SIGKILL');
  const leftPg = postgresProcessesUnder(dir);
  const groups = [...appGroups];
  const leftGroups = groups.filter((g) => {
    try {
      assertGroupGone(g);
      return false;
    } catch {
      return true;
    }
  });
  for (const g of leftGroups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const killed = await cleanupProject(dir);
  expect(leftSupervisor, 'devenv up left running after down').toBe(false);
  expect(leftPg, 'postgres processes left after down').toEqual([]);
  expect(killed).toEqual([]);
  expect(leftGroups, 'app process groups left after down').toEqual([]);
}
