// The logs `devenv up` writes stay bounded (rotated at logs.maxBytes, logs.keep old files kept),
// `up -d` writes each line once (not again into up.log), `devenv logs -f` follows a log across its
// rotations without losing or repeating a line, and `devenv logs -n` reads on into the rotated files.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenv, pathsOf, tempDir, waitFor } from '../helpers/project.js';
import { finish, logText, makeProject, psql, RunningCli, waitLog, waitRunning } from './helpers.js';

const MAX = 4096;
/** Old files kept: a follower stalled by a busy machine for fewer rotations than this loses nothing. */
const KEEP = 4;
/** One batch of an app's output goes into a file whole: a file may pass the limit by that much. */
const BATCH = 64 * 1024;

describe('logs of devenv up', () => {
  const side = tempDir('logs-side');
  const trigger = path.join(side, 'go');
  const speak = path.join(side, 'speak');
  const dir = makeProject('up-logs', {
    'devenv.json': JSON.stringify({
      logs: { maxBytes: MAX, keep: KEEP },
      processes: {
        hello: { command: 'echo hello-once; sleep 1000', watch: false },
        // Prints nothing until the test says so (issue 23: an app that has not printed yet had no log).
        quiet: {
          command: `while [ ! -e '${speak}' ]; do sleep 0.05; done; echo quiet-spoke; sleep 1000`,
          watch: false,
        },
        counter: {
          command:
            `echo waiting; while [ ! -e '${trigger}' ]; do sleep 0.05; done; ` +
            // ~1 KB every 50 ms: a rotation every few hundred ms, slow enough for a follower on a busy machine
            // (one that falls more than logs.keep rotations behind has lines deleted under it).
            'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); ' +
            'if [ $((i % 100)) -eq 0 ]; then sleep 0.05; fi; done; echo done; sleep 1000',
          watch: false,
        },
      },
    }),
  });
  const groups = new Set<number>();
  // Ours are in the logs dir (as root outside the project); postgres' own is in the cluster.
  const logFile = (name: string) =>
    path.join(name.startsWith('postgres.') ? path.dirname(pathsOf(dir).serverLog) : pathsOf(dir).logs, name);

  afterAll(async () => {
    await finish(dir, groups);
    rmSync(side, { recursive: true, force: true });
  });

  it('up -d writes each app line once: into its log, not again into up.log', async () => {
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['hello', 'counter', 'quiet']) groups.add((await waitRunning(dir, name)).pid!);
    await waitLog(dir, 'hello', /hello-once/);
    // The line as the app wrote it, after the time it was read at.
    expect(logText(dir, 'hello')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello-once\n$/);
    expect(logText(dir, 'devenv')).toMatch(/hello started/);
    expect(readFileSync(logFile('up.log'), 'utf8')).toBe('');
  });

  it('an app that printed nothing yet has its log: `logs NAME` shows it empty, `logs -f NAME` follows it', async () => {
    // Right after `up -d` (issue 23): before the fix this was "no log for quiet" and exit 1.
    expect(existsSync(logFile('quiet.log'))).toBe(true);
    const now = await devenv(dir, ['logs', 'quiet']);
    expect([now.code, now.stdout, now.stderr]).toEqual([0, '', '']);
    const follower = new RunningCli(dir, ['logs', '-f', 'quiet']);
    try {
      writeFileSync(speak, '');
      await waitFor(() => follower.output.includes('quiet-spoke\n'), 'logs -f quiet to show its first line', {
        timeoutMs: 15000,
        detail: () =>
          `logs -f printed: ${JSON.stringify(follower.output)}; quiet.log: ${JSON.stringify(logText(dir, 'quiet'))}`,
      });
    } finally {
      follower.child.kill('SIGTERM');
      await follower.closed;
    }
    expect(follower.output).toBe('quiet-spoke\n');
  });

  it('logs -f follows a log across its rotations; old files beyond logs.keep are deleted', async () => {
    await waitLog(dir, 'counter', /waiting/);
    const follower = new RunningCli(dir, ['logs', '-f', '-n', '1', 'counter']);
    try {
      // It printed the last line, so it follows from here on.
      await follower.waitOutput(/waiting\n/);
      writeFileSync(trigger, '');
      await waitFor(() => follower.output.includes('done\n'), 'logs -f to reach the end', {
        timeoutMs: 30000,
        detail: () => follower.output.slice(-500),
      });
    } finally {
      follower.child.kill('SIGTERM');
      await follower.closed;
    }
    const expected = ['waiting', ...Array.from({ length: 3000 }, (_, i) => `line ${i}`), 'done'];
    expect(follower.output.split('\n').filter(Boolean)).toEqual(expected);
    for (const name of ['counter.log', ...Array.from({ length: KEEP }, (_, i) => `counter.log.${i + 1}`)]) {
      expect(statSync(logFile(name)).size, name).toBeLessThanOrEqual(MAX + BATCH);
    }
    expect(existsSync(logFile(`counter.log.${KEEP + 1}`))).toBe(false);
    // `devenv logs` lists logs, not their rotated files.
    const all = await devenv(dir, ['logs', '-n', '0']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toBe('');
    // More lines than the log itself has since its last rotation: the rest from the rotated files.
    expect(readFileSync(logFile('counter.log'), 'utf8').split('\n').length).toBeLessThan(200);
    const lastLines = await devenv(dir, ['logs', '-n', '200', 'counter']);
    expect(lastLines.code, lastLines.stderr).toBe(0);
    expect(lastLines.stdout.split('\n').filter(Boolean)).toEqual(expected.slice(-200));
    const merged = await devenv(dir, ['logs', '-n', '1000']);
    const counted = merged.stdout.split('\n').filter((l) => /^counter +\| (line \d+|done)$/.test(l));
    expect(counted.length).toBeGreaterThan(200);
    expect(counted.map((l) => l.replace(/^counter +\| /, ''))).toEqual(expected.slice(-counted.length));
  });

  it('postgres.log, which postgres writes itself, is copied to postgres.log.1 and emptied in place', async () => {
    await psql(dir, `do $$ begin for i in 1..200 loop raise log 'filler % %', i, repeat('x', 100); end loop; end $$`);
    await waitFor(() => existsSync(logFile('postgres.log.1')) && statSync(logFile('postgres.log')).size <= MAX, 'cap', {
      timeoutMs: 15000,
    });
    expect(readFileSync(logFile('postgres.log.1'), 'utf8')).toMatch(/filler 200 x+/);
    // Postgres goes on writing at the start of the emptied file, and the supervisor still shows it.
    await psql(dir, `do $$ begin raise log 'after the cap'; end $$`);
    await waitLog(dir, 'postgres', /after the cap/);
    expect(readFileSync(logFile('postgres.log'), 'utf8')).not.toMatch(/\0/);
  });
});
