/**
 * waitGroupGone watches the members it has seen, and looks at the whole group again before it says
 * "gone": a member started after its first look (the shell's next background job) is waited for too.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { waitGroupGone } from '../../src/supervisor/process-group.js';
import { assertGroupGone, assertPidGone, isAlive, tempDir } from './helpers.js';

const groups: number[] = [];
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

test('a member started after the first look, once the first ones are gone, is waited for too', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const late = path.join(dir, 'late.pid');
    // The shell and its first sleep are what the first look finds; the second sleep starts as they end.
    const child = spawn('/bin/sh', ['-c', `sleep 0.3; sleep 0.4 & echo $! > ${late}; exit 0`], {
      detached: true,
      stdio: 'ignore',
    });
    const pgid = child.pid!;
    groups.push(pgid);
    await new Promise((r) => child.once('spawn', r));
    await waitGroupGone(pgid);
    const latePid = Number(readFileSync(late, 'utf8'));
    expect(latePid).toBeGreaterThan(0);
    assertPidGone(latePid);
    assertGroupGone(pgid);
    expect(isAlive(pgid)).toBe(false);
  } finally {
    cleanup();
  }
});
