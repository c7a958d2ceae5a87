import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tryLock } from '../../src/util/pid-lock.js';
import { REPO, tempDir, waitFor } from '../helpers/project.js';

const dir = tempDir('pidlock');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly belongs to no live process: one of ours that has exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

/**
 * A separate process that, for each round, waits for `<round>.go`, tries that round's lock once,
 * prints "<round> won|held", and keeps a lock it won until `<round>.end` appears (so the others
 * meanwhile see a live holder).
 */
function taker(module: string, rounds: number) {
  const code = `
    import { existsSync } from 'node:fs';
    const { tryLock } = await import(${JSON.stringify(module)});
    const at = (name) => ${JSON.stringify(dir)} + '/' + name;
    const until = async (file) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 1)); };
    for (let round = 0; round < ${rounds}; round++) {
      await until(at(round + '.go'));
      const r = tryLock(at(round + '.lock'));
      process.stdout.write(round + ('release' in r ? ' won' : ' held') + '\\n');
      await until(at(round + '.end'));
      if ('release' in r) r.release();
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { lines, exited };
}

/** Six processes race for a lock whose holder is dead, `rounds` times; returns the winners per round. */
async function race(module: string, rounds: number): Promise<string[][]> {
  const takers = Array.from({ length: 6 }, () => taker(module, rounds));
  const results: string[][] = [];
  for (let round = 0; round < rounds; round++) {
    writeFileSync(path.join(dir, `${round}.lock`), `${deadPid()} 1\n`);
    writeFileSync(path.join(dir, `${round}.go`), '');
    const answered = () => takers.every((t) => t.lines.some((l) => l.startsWith(`${round} `)));
    while (!answered()) await new Promise((r) => setTimeout(r, 2));
    results.push(takers.map((t) => t.lines.find((l) => l.startsWith(`${round} `))!.split(' ')[1]!));
    writeFileSync(path.join(dir, `${round}.end`), '');
  }
  expect(await Promise.all(takers.map((t) => t.exited))).toEqual([0, 0, 0, 0, 0, 0]);
  return results;
}

test('of six processes taking over a dead holder’s lock at once, exactly one wins, every round', async () => {
  const rounds = await race(path.join(REPO, 'dist', 'util', 'pid-lock.js'), 30);
  rounds.forEach((answers, round) => {
    expect(
      answers.filter((a) => a === 'won'),
      `round ${round}: ${answers.join(' ')}`,
    ).toHaveLength(1);
  });
  // Each winner released its lock, and no takeover ticket was left behind.
  for (let round = 0; round < 30; round++) {
    await waitFor(() => !existsSync(path.join(dir, `${round}.lock`)), 'the lock released', { timeoutMs: 5000 });
    expect(existsSync(path.join(dir, `${round}.lock`))).toBe(false);
  }
  expect(readdirSync(dir).filter((n) => n.includes('takeover') || n.endsWith('.tmp'))).toEqual([]);
});

test('a lock whose pid was recycled by another process is taken over', () => {
  const lock = path.join(dir, 'recycled.lock');
  // Our parent is alive, but it is not the process that wrote this start time.
  writeFileSync(lock, `${process.ppid} 2001-01-01T00:00:00Z\n`);
  const r = tryLock(lock);
  expect('release' in r).toBe(true);
  if ('release' in r) {
    expect(readFileSync(lock, 'utf8').startsWith(`${process.pid} `)).toBe(true);
    r.release();
  }
  expect(existsSync(lock)).toBe(false);
});

test('a live holder keeps its lock and is named', () => {
  const lock = path.join(dir, 'live.lock');
  const first = tryLock(lock);
  expect('release' in first).toBe(true);
  const second = tryLock(lock);
  expect(second).toEqual({ holder: process.pid });
  if ('release' in first) first.release();
  expect(existsSync(lock)).toBe(false);
});
