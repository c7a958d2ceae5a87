// Helpers for the snapshot tests: the real CLI on a temp project, node-postgres for queries.
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, expect } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import { cleanupProject, devenv, runProcess, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

export const USER = userInfo().username;
export const ITEMS = `select string_agg(id || ':' || note, ',' order by id) from items`;

/** The test's project: set by setup(), stopped and removed (proving no postgres is left) after each test. */
export const project = { dir: '', env: {} as Record<string, string | undefined> };

/** Background snapshot jobs of this project still running: file workers, `rm` of old files (named in their args). */
export function jobsOf(dir: string): number[] {
  return findProcesses((p) => {
    const cmd = p.cmdline();
    return (cmd.includes('snapshot/worker.js') || cmd.startsWith('rm\0')) && cmd.includes(dir);
  });
}

export function useProjects(): void {
  afterEach(async () => {
    const { dir, env } = project;
    if (!dir) return;
    project.dir = '';
    // Background jobs (ready copies, deleting a restore's old files) end by themselves; the cleanup runs
    // whatever happened, so a failed test leaves no server behind.
    let jobsEnded: unknown = true;
    try {
      await waitFor(() => jobsOf(dir).length === 0, 'background snapshot jobs to end', { timeoutMs: 30000 });
    } catch (err) {
      jobsEnded = err;
    }
    expect(await cleanupProject(dir, env)).toEqual([]);
    expect(jobsEnded).toBe(true);
  });
}

export function setup(label: string, bindir = 'system', env: Record<string, string | undefined> = {}): string {
  if (bindir === 'system') need('system-postgres');
  project.dir = tempDir(label);
  project.env = { PGRES_BINDIR: bindir, ...env };
  return project.dir;
}

export const run = (args: string[]) => devenv(project.dir, args, { env: project.env });

export async function ok(args: string[]) {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`devenv ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

export async function runProcessOk(file: string, args: string[]) {
  const r = await runProcess(file, args, {});
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** One query over the project's socket with node-postgres (a server must run); the first column of the last row. */
export async function value(sql: string, database = USER): Promise<string> {
  const client = new pg.Client({ host: path.join(project.dir, '.pgres'), port: 5432, user: USER, database });
  await client.connect();
  try {
    const res = await client.query({ text: sql, rowMode: 'array' });
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    const row = last?.rows?.[last.rows.length - 1] as unknown[] | undefined;
    return row ? String(row[0]) : '';
  } finally {
    await client.end();
  }
}

export interface Listed {
  name: string;
  major: number;
  serverVersion: string;
  bytes: number;
  method: string;
  databases: string[] | null;
  path: string;
}

export async function listJson(): Promise<Listed[]> {
  return JSON.parse((await ok(['snapshot', 'list', '--json'])).stdout) as Listed[];
}

/** A user error: non-zero exit, one line on stderr (no stack trace). */
export function oneLine(r: { code: number | null; stderr: string }): string {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}
