import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess, ProcessStartError } from '../../src/supervisor/managed-process.js';
import { assertGroupGone, assertPidGone, isAlive, tempDir, waitFor } from './helpers.js';

const started: ManagedProcess[] = [];
function make(command: string, extra: Partial<ConstructorParameters<typeof ManagedProcess>[0]> = {}) {
  const p = new ManagedProcess({ name: 't', command, cwd: process.cwd(), ...extra });
  started.push(p);
  return p;
}
function collect(p: ManagedProcess): { out: string; err: string } {
  const acc = { out: '', err: '' };
  p.stdout!.on('data', (c: Buffer) => (acc.out += c.toString()));
  p.stderr!.on('data', (c: Buffer) => (acc.err += c.toString()));
  return acc;
}

afterEach(async () => {
  // Never leave a group behind, even when an assertion failed half-way.
  await Promise.all(started.splice(0).map((p) => p.kill()));
});

describe('ManagedProcess', () => {
  it('tells the exit only once its pipes have ended: what it wrote last is read first', async () => {
    // The last line comes 0.3 s after the group is gone, from a process that left it (setsid) but
    // holds the pipe: the exit waits for the pipe's end (up to drainMs), so the line is there before it.
    // The leader exits only once that process has left: one still in the group when the leader exits is
    // reaped with the group (loaded run 35 lost the line so, before setsid had run).
    const { dir, cleanup } = tempDir();
    try {
      const left = `${dir}/left`;
      const leaves = `setsid sh -c 'touch "$1"; sleep 0.3; echo last words' sh '${left}' &`;
      const p = make(`${leaves} while [ ! -e '${left}' ]; do sleep 0.01; done; exit 3`, { drainMs: 20000 });
      await p.start();
      const io = collect(p);
      const info = await p.exited;
      expect(info.code).toBe(3);
      expect(io.out).toBe('last words\n');
    } finally {
      cleanup();
    }
  });

  it('runs the command through sh in its own group with the given env and cwd, no stdin', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // `cat` would block forever on an inherited terminal; with stdin ignored it reads EOF at once.
      const p = make('cat; echo "$GREETING"; pwd; echo oops >&2; ps -o pgid= -p $$', {
        cwd: dir,
        env: { PATH: process.env.PATH, GREETING: 'hello' },
      });
      await p.start();
      const io = collect(p);
      expect(p.state).toBe('running');
      expect(p.startedAt).toBeInstanceOf(Date);
      const info = await p.exited;
      const [greeting, cwd, pgid] = io.out.trim().split('\n');
      expect(greeting).toBe('hello');
      expect(cwd).toBe(dir);
      expect(Number(pgid)).toBe(p.pid); // its own group, led by the shell
      expect(io.err).toBe('oops\n');
      expect(info).toMatchObject({ code: 0, signal: null, requested: false });
      expect(p.state).toBe('exited');
      assertGroupGone(p.pid!);
    } finally {
      cleanup();
    }
  });

  it('stop() terminates the whole group, grandchildren included', async () => {
    const p = make('sleep 1000 & echo $!; sleep 1000 & echo $!; wait');
    await p.start();
    const io = collect(p);
    await waitFor(() => io.out.trim().split('\n').length === 2, 'grandchild pids');
    const grandchildren = io.out.trim().split('\n').map(Number);
    for (const pid of grandchildren) expect(isAlive(pid)).toBe(true);
    const info = await p.stop(5000);
    expect(info?.requested).toBe(true);
    expect(info?.signal).toBe('SIGTERM');
    for (const pid of grandchildren) assertPidGone(pid);
    assertGroupGone(p.pid!);
  });

  it('stop() escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    // An ignored signal stays ignored across exec, so the grandchild ignores SIGTERM too.
    const p = make("trap '' TERM; sleep 1000 & echo $!; wait");
    await p.start();
    const io = collect(p);
    await waitFor(() => io.out.includes('\n'), 'grandchild pid');
    const info = await p.stop(200);
    expect(info?.signal).toBe('SIGKILL');
    assertPidGone(Number(io.out.trim()));
    assertGroupGone(p.pid!);
  });

  it('kill() SIGKILLs the group at once', async () => {
    const p = make("trap '' TERM; sleep 1000");
    await p.start();
    const info = await p.kill();
    expect(info?.signal).toBe('SIGKILL');
    assertGroupGone(p.pid!);
  });

  it('reports a missing binary as exit 127 with a clear description', async () => {
    const p = make('no-such-binary-devenv-test --flag');
    await p.start();
    const io = collect(p);
    const info = await p.exited;
    expect(info.code).toBe(127);
    expect(info.description).toBe('command not found (exit 127)');
    expect(io.err).toMatch(/no-such-binary-devenv-test.*not found/);
    assertGroupGone(p.pid!);
  });

  it('rejects a missing cwd with a one-line error instead of blaming the shell', async () => {
    const p = make('true', { cwd: '/nonexistent/devenv-test-dir' });
    const err = await p.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as Error).message).toBe('t: working directory /nonexistent/devenv-test-dir does not exist');
    expect(p.pid).toBeUndefined();
    expect(p.state).toBe('idle');
  });

  it('when the leader dies on its own, members it left behind are stopped before exit is reported', async () => {
    const p = make('sleep 1000 & echo $!; exit 3', { orphanGraceMs: 2000 });
    await p.start();
    const io = collect(p);
    const exits: unknown[] = [];
    p.on('exit', (i) => exits.push(i));
    const info = await p.exited;
    expect(info).toMatchObject({ code: 3, signal: null, requested: false, description: 'exited with code 3' });
    expect(exits).toHaveLength(1);
    assertPidGone(Number(io.out.trim()));
    assertGroupGone(p.pid!);
  });

  it('can be started again after it exited, with a new group', async () => {
    const p = make('sleep 1000');
    await p.start();
    const first = p.pid!;
    await p.stop();
    await p.start();
    expect(p.pid).not.toBe(first);
    await p.stop();
    assertGroupGone(first);
    assertGroupGone(p.pid!);
  });
});
