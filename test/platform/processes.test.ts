// Both platform implementations asked the same questions about the same live processes: a process group
// with a live child and a zombie, a process working in a directory of ours, a program run from one. The
// Linux one reads /proc; the portable one runs ps and lsof as it does on macOS. Their answers must agree.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs, { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { linuxPlatform } from '../../src/platform/linux.js';
import type { Platform } from '../../src/platform/platform.js';
import { portablePlatform } from '../../src/platform/portable.js';
import { tempDir, waitFor } from '../helpers/project.js';
import { needForEach, which } from '../helpers/tools.js';

const both: Platform[] = [linuxPlatform, portablePlatform];
const ready = needForEach('lsof', 'ps');

const base = tempDir('platform-proc');
/** Where the worker works and what it runs from: a name lsof and ps must not garble. */
const dir = path.join(base, `wörk "ü" $x`);
let group: ChildProcess;
let worker: ChildProcess;
/** A pid that belongs to no live process: one of ours that has exited. */
let deadPid: number;

beforeAll(async () => {
  if (!ready) return;
  // The worker runs a copy of sleep from our directory, in that directory.
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  copyFileSync(which('sleep')!, path.join(dir, 'bin', 'sleep'));
  // The shell forks a short sleep and a long one, then becomes a third: the short one exits and is never
  // collected (a sleep does not wait), so the group holds its leader, a live child and a zombie.
  group = spawn('sh', ['-c', 'sleep 0.01 & sleep 30 & exec sleep 31'], { detached: true, stdio: 'ignore' });
  worker = spawn(path.join(dir, 'bin', 'sleep'), ['32'], { cwd: dir, stdio: 'ignore', detached: true });
  deadPid = spawnSync('true').pid!;
  const settled = () => membersOf(group.pid!).length === 3 && membersOf(group.pid!).some((m) => m.zombie);
  await waitFor(settled, 'the group with a zombie');
});

afterAll(async () => {
  for (const child of [group, worker]) if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  // Gone: no member left that runs (a zombie handed to an init that never collects runs nothing).
  const running = (pgid: number) => membersOf(pgid).filter((m) => !m.zombie);
  for (const child of [group, worker])
    if (child?.pid) await waitFor(() => running(child.pid!).length === 0, 'our processes gone');
  rmSync(base, { recursive: true, force: true });
});

const LC_ALL = process.env.LC_ALL;
afterEach(() => {
  if (LC_ALL === undefined) delete process.env.LC_ALL;
  else process.env.LC_ALL = LC_ALL;
});

const membersOf = (pgid: number) => linuxPlatform.groupMembers(pgid);
const sorted = <T extends { pid: number }>(list: T[]) => [...list].sort((a, b) => a.pid - b.pid);

test("a group's members, zombies marked, are the same in both", () => {
  const [linux, portable] = both.map((p) => sorted(p.groupMembers(group.pid!)));
  expect(linux).toHaveLength(3);
  expect(linux!.filter((m) => m.zombie)).toHaveLength(1);
  expect(linux!.every((m) => m.pid === group.pid || m.ppid === group.pid)).toBe(true);
  expect(portable).toEqual(linux);
  for (const p of both) expect(p.groupMembers(deadPid)).toEqual([]);
});

test("each member's parent, group, owner, state and start are the same in both", () => {
  for (const { pid } of membersOf(group.pid!)) {
    const linux = linuxPlatform.process(pid);
    expect(linux).toMatchObject({ pgid: group.pid, uid: process.getuid!() });
    expect(linux!.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(portablePlatform.process(pid)).toEqual(linux);
  }
  for (const p of both) expect(p.process(deadPid)).toBeNull();
});

test('a start recorded by either is recognised by both, and a recycled pid is not', () => {
  const pid = worker.pid!;
  const start = linuxPlatform.process(pid)!.start;
  expect(Math.abs(Date.parse(start) - Date.now())).toBeLessThan(5 * 60_000); // it started just now
  // Linux records clock ticks since boot (/proc/<pid>/stat field 22: they never move with the clock);
  // the portable implementation the start as ps shows it.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  expect(both.map((p) => p.startRecord(pid))).toEqual([ticks, start]);
  for (const p of both) {
    expect(p.startRecord(deadPid)).toBeNull();
    expect(p.sameProcess(pid, start)).toBe(true);
    expect(p.sameProcess(pid, '2001-01-01T00:00:00Z')).toBe(false);
    expect(p.sameProcess(deadPid, start)).toBe(false);
  }
  expect(linuxPlatform.sameProcess(pid, ticks)).toBe(true);
  expect(linuxPlatform.sameProcess(pid, `${ticks}1`)).toBe(false);
  expect(linuxPlatform.sameProcess(deadPid, ticks)).toBe(false);
  // Ticks mean nothing off Linux: the portable implementation says it cannot tell.
  expect(portablePlatform.sameProcess(pid, ticks)).toBeNull();
});

test('the command line and working directory of a process are the same in both', () => {
  const pid = worker.pid!;
  // ps shows arguments in the user's character set (in the C locale procps shows each non-ASCII byte as ?).
  process.env.LC_ALL = 'C.UTF-8';
  for (const p of both) {
    expect(p.commandLine(pid)).toBe(`${path.join(dir, 'bin', 'sleep')} 32`);
    expect(p.cwd(pid)).toBe(dir);
    expect(p.commandLine(deadPid)).toBeNull();
    expect(p.cwd(deadPid)).toBeNull();
  }
  const zombie = membersOf(group.pid!).find((m) => m.zombie)!.pid;
  for (const p of both) expect(p.cwd(zombie)).toBeNull(); // it has none left
});

test('the processes working anywhere are listed alike, with their commands and directories', () => {
  process.env.LC_ALL = 'C.UTF-8';
  const ours = new Set([
    worker.pid!,
    ...membersOf(group.pid!)
      .filter((m) => !m.zombie)
      .map((m) => m.pid),
  ]);
  const [linux, portable] = both.map((p) => sorted(p.workingProcesses().filter((w) => ours.has(w.pid))));
  expect(linux).toContainEqual({ pid: worker.pid, command: `${path.join(dir, 'bin', 'sleep')} 32`, cwd: dir });
  expect(linux).toHaveLength(3);
  expect(portable).toEqual(linux);
  // A zombie has no working directory in either.
  const zombie = membersOf(group.pid!).find((m) => m.zombie)!.pid;
  for (const p of both) expect(p.workingProcesses().find((w) => w.pid === zombie)?.cwd ?? null).toBeNull();
});

test('a program run from a directory is found there by both, and only there', () => {
  for (const p of both) {
    expect(p.programsUnder(path.join(dir, 'bin'))).toEqual([worker.pid]);
    expect(p.programsUnder(path.join(dir, 'elsewhere'))).toEqual([]);
  }
});

test('a process that exits while /proc is being read is left out, not half-listed', () => {
  // The race made to happen every time: /proc's listing names a pid that is gone by the time it is read.
  const realReaddir = fs.readdirSync;
  vi.spyOn(fs, 'readdirSync').mockImplementation(((dirPath: string, ...rest: []) =>
    dirPath === '/proc'
      ? [...(realReaddir(dirPath) as string[]), String(deadPid)]
      : realReaddir(dirPath, ...rest)) as typeof fs.readdirSync);
  syncBuiltinESMExports(); // linux.ts imported readdirSync by name
  try {
    expect(linuxPlatform.workingProcesses().map((w) => w.pid)).not.toContain(deadPid);
    expect(linuxPlatform.workingProcesses().map((w) => w.pid)).toContain(worker.pid);
    expect(linuxPlatform.groupMembers(group.pid!)).toHaveLength(3);
  } finally {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  }
});

test('the processes carrying a variable in their environment are the same in both', async () => {
  const mark = `m${process.pid}x${Date.now()}`;
  // A process in a session of its own (detached: setsid), as an app's escaped child would be.
  const marked = spawn('sleep', ['33'], {
    env: { ...process.env, PGRES_TEST_MARK: mark },
    stdio: 'ignore',
    detached: true,
  });
  try {
    await waitFor(() => linuxPlatform.processesWithEnv('PGRES_TEST_MARK', mark).length === 1, 'the marked sleep');
    for (const p of both) {
      expect(p.processesWithEnv('PGRES_TEST_MARK', mark), p.name).toEqual([marked.pid]);
      expect(p.processesWithEnv('PGRES_TEST_MARK', `${mark}0`), p.name).toEqual([]);
    }
  } finally {
    process.kill(marked.pid!, 'SIGKILL');
    await waitFor(
      () => linuxPlatform.process(marked.pid!) === null || linuxPlatform.process(marked.pid!)!.zombie,
      'gone',
    );
  }
});
