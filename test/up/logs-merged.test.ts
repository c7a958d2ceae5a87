// `devenv logs` without a name: every process's lines (two apps and postgres, all real) in the order
// they happened, with a separator at each `devenv up`; lines an older devenv wrote without a time come
// first; --since, -n, -t and colours; and -f prints new lines of every log, a new process's too.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresTime, splitStamp } from '../../src/supervisor/log-stamp.js';
import { devenv, pathsOf, tempDir, waitFor } from '../helpers/project.js';
import { assertPidGone } from '../supervisor/helpers.js';
import { finish, logText, makeProject, psql, RunningCli, supervisorPid, waitLog, waitRunning } from './helpers.js';

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
const ESC = '\u001b[';
const SEPARATOR = /^── devenv up started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(pid (\d+)\) ──$/;

describe('devenv logs: all processes interleaved by time', () => {
  const side = tempDir('logs-merged-side');
  const flag = (name: string) => path.join(side, name);
  const untilFlag = (name: string) => `while [ ! -e '${flag(name)}' ]; do sleep 0.02; done`;
  const processes = {
    alpha: {
      command: `echo alpha-1; ${untilFlag('a2')}; echo alpha-2; ${untilFlag('a3')}; echo alpha-3; sleep 1000`,
      watch: false,
    },
    beta: {
      command:
        `${untilFlag('b1')}; echo beta-1; ${untilFlag('b2')}; echo beta-2; ` +
        `${untilFlag('b3')}; echo beta-3; sleep 1000`,
      watch: false,
    },
  };
  const dir = makeProject('logs-merged', { 'devenv.json': JSON.stringify({ processes }) });
  const groups = new Set<number>();
  const supervisors: number[] = [];
  const followers: ChildProcess[] = [];

  afterAll(async () => {
    for (const f of followers) f.kill('SIGKILL');
    await finish(dir, groups);
    rmSync(side, { recursive: true, force: true });
  });

  /** The time of `text` in `name`'s log (ours: the stamp before it; postgres: its own prefix). */
  function timeOf(name: string, text: string): number {
    const line = logText(dir, name)
      .split('\n')
      .find((l) => l.endsWith(text));
    if (!line) throw new Error(`no "${text}" in ${name}.log`);
    return (name === 'postgres' ? postgresTime(line) : splitStamp(line).time)!;
  }
  /** Let `text` land in its log and the clock pass its millisecond: what comes next is later, not equal. */
  async function landed(name: string, text: string): Promise<number> {
    await waitLog(dir, name, new RegExp(`${text}$`, 'm'));
    const t = timeOf(name, text);
    await waitFor(() => Date.now() > t, 'the next millisecond');
    return t;
  }
  const touch = (name: string) => writeFileSync(flag(name), '');
  const logs = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const r = await devenv(dir, ['logs', ...args], { env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  };
  // The lines this test made: old ones, the apps' and postgres' marks, separators.
  const marks = (lines: string[]) =>
    lines.filter((l) => /(old \w+ line|alpha-\d|beta-\d|gamma-\d|LOG: {2}pg-mark(-2)?)$|^──/.test(l));

  it('shows the lines of two apps and postgres in the order they happened, older untimed lines first', async () => {
    // What an older devenv left: lines without a time.
    const { logs: logDir } = pathsOf(dir);
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(logDir, 'devenv.log'), 'old devenv line\n');
    writeFileSync(path.join(logDir, 'alpha.log'), 'old alpha line\n');
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    supervisors.push(supervisorPid(dir)!);
    for (const name of ['alpha', 'beta']) groups.add((await waitRunning(dir, name)).pid!);
    await landed('alpha', 'alpha-1');
    await psql(dir, `do $$ begin raise log 'pg-mark'; end $$`);
    await landed('postgres', 'pg-mark');
    touch('b1');
    await landed('beta', 'beta-1');
    touch('a2');
    await landed('alpha', 'alpha-2');
    touch('b2');
    await landed('beta', 'beta-2');

    const all = await logs(['-n', '1000']);
    expect(marks(all)).toEqual([
      'devenv   | old devenv line',
      'alpha    | old alpha line',
      expect.stringMatching(SEPARATOR),
      'alpha    | alpha-1',
      expect.stringMatching(/^postgres \| \d{4}-\d\d-\d\d [\d:.]+ UTC \[\d+\] LOG: {2}pg-mark$/),
      'beta     | beta-1',
      'alpha    | alpha-2',
      'beta     | beta-2',
    ]);
    expect(SEPARATOR.exec(marks(all)[2]!)![1]).toBe(String(supervisors[0]));
    // The separator comes before everything this run wrote, postgres' start included.
    const sep = all.findIndex((l) => SEPARATOR.test(l));
    expect(all.slice(sep + 1).some((l) => /ready to accept connections/.test(l))).toBe(true);
    expect(all.slice(0, sep).some((l) => /ready to accept connections/.test(l))).toBe(false);
    // -n counts the merged lines; one named log is its lines as the process wrote them.
    expect(await logs(['-n', '3'])).toEqual(['beta     | beta-1', 'alpha    | alpha-2', 'beta     | beta-2']);
    expect(await logs(['alpha'])).toEqual(['old alpha line', 'alpha-1', 'alpha-2']);
  });

  it('-t: each line after its time (blank for one without); colours on a terminal, never with NO_COLOR', async () => {
    const timed = marks(await logs(['-t']));
    expect(timed[0]).toBe(`devenv   | ${' '.repeat(24)} old devenv line`);
    const alpha1 = timed.find((l) => l.endsWith(' alpha-1'))!;
    expect(alpha1).toMatch(/^alpha {4}\| \d{4}-\d\d-\d\dT[\d:.]+Z alpha-1$/);
    expect(Date.parse(alpha1.slice(11, 35))).toBe(timeOf('alpha', 'alpha-1'));
    expect(await logs(['-t', '-n', '1', 'beta'])).toEqual([logText(dir, 'beta').trimEnd().split('\n').at(-1)]);
    expect((await logs(['-n', '1', 'beta'])).at(-1)).toBe('beta-2');

    const coloured = await logs(['-n', '3'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    const ansi = new RegExp(`${ESC.replace('[', '\\[')}\\d+m`, 'g');
    expect(coloured.map((l) => l.replace(ansi, ''))).toEqual([
      'beta     | beta-1',
      'alpha    | alpha-2',
      'beta     | beta-2',
    ]);
    // The name is coloured, the line is not; alpha's colour is not beta's.
    expect(coloured[0]!.startsWith(ESC) && coloured[0]!.endsWith(`${ESC}39mbeta-1`)).toBe(true);
    expect(coloured[1]!.slice(0, 5)).not.toBe(coloured[0]!.slice(0, 5));
    const refused = await logs(['-n', '3'], { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(refused.join('\n')).not.toContain(ESC);
  });

  it('--since takes an age or a time; a bad value is one line', async () => {
    const beta1 = new Date(timeOf('beta', 'beta-1')).toISOString();
    expect(marks(await logs(['--since', beta1]))).toEqual([
      'beta     | beta-1',
      'alpha    | alpha-2',
      'beta     | beta-2',
    ]);
    // An age: this run's lines, not the undated ones of before.
    const recent = marks(await logs(['--since', '10m']));
    expect(recent[0]).toMatch(SEPARATOR);
    expect(recent).toHaveLength(6);
    expect(marks(await logs(['--since', '10m', '-n', '2']))).toEqual(['alpha    | alpha-2', 'beta     | beta-2']);
    const bad = await devenv(dir, ['logs', '--since', 'yesterday']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--since takes .*; got "yesterday"$/)]);
  });

  it('-f prints the new lines of every log in time order, a process added meanwhile too', async () => {
    const follower = new RunningCli(dir, ['logs', '-f', '-n', '1']);
    followers.push(follower.child);
    const seen = (re: RegExp) =>
      waitFor(() => re.test(follower.output), `logs -f to print ${re}`, { detail: () => follower.output });
    try {
      await seen(/beta-2\n/);
      touch('b3');
      await landed('beta', 'beta-3');
      await psql(dir, `do $$ begin raise log 'pg-mark-2'; end $$`);
      await landed('postgres', 'pg-mark-2');
      touch('a3');
      await seen(/alpha-3\n/);
      // A process added to the configuration: its log appears and is followed from its first line.
      const gamma = { command: 'echo gamma-1; sleep 1000', watch: false };
      writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ processes: { ...processes, gamma } }));
      await seen(/gamma-1\n/);
      groups.add((await waitRunning(dir, 'gamma')).pid!);
    } finally {
      follower.child.kill('SIGTERM');
      await follower.closed;
    }
    assertPidGone(follower.child.pid!);
    expect(marks(follower.output.split('\n'))).toEqual([
      'beta     | beta-2',
      'beta     | beta-3',
      expect.stringMatching(/^postgres \| .* LOG: {2}pg-mark-2$/),
      'alpha    | alpha-3',
      'gamma    | gamma-1',
    ]);
  });

  it('a new `devenv up` gets its own separator; the last run is after it', async () => {
    expect((await devenv(dir, ['down'])).code).toBe(0);
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    supervisors.push(supervisorPid(dir)!);
    for (const name of ['alpha', 'beta', 'gamma']) groups.add((await waitRunning(dir, name)).pid!);
    // Every flag is there now: each app prints all its lines at once.
    await waitLog(dir, 'beta', /beta-3\n(.|\n)*beta-3\n/);
    await waitLog(dir, 'alpha', /alpha-3\n(.|\n)*alpha-3\n/);
    const all = await logs(['-n', '1000']);
    const seps = all.filter((l) => SEPARATOR.test(l)).map((l) => Number(SEPARATOR.exec(l)![1]));
    expect(seps).toEqual(supervisors);
    const second = all.findIndex((l) => l.includes(`(pid ${supervisors[1]})`));
    expect(all.slice(0, second)).toContain('gamma    | gamma-1');
    expect(all.slice(0, second).filter((l) => /stopped/.test(l)).length).toBeGreaterThan(0);
    expect(all.slice(second).filter((l) => /^alpha +\| alpha-\d$/.test(l))).toEqual([
      'alpha    | alpha-1',
      'alpha    | alpha-2',
      'alpha    | alpha-3',
    ]);
    // Each line devenv wrote to a log carries its time (the old ones excepted).
    for (const name of ['devenv', 'alpha', 'beta', 'gamma']) {
      const untimed = logText(dir, name)
        .trimEnd()
        .split('\n')
        .filter((l) => !STAMP.test(l));
      expect(untimed, name).toEqual(name === 'devenv' || name === 'alpha' ? [`old ${name} line`] : []);
    }
  });
});
