import { describe, expect, it } from 'vitest';
import { afterExit, shouldRestart } from '../../src/supervisor/restart-policy.js';

const ok = { code: 0, signal: null };
const failed = { code: 1, signal: null };
const killed = { code: null, signal: 'SIGKILL' as const };

describe('restart policy', () => {
  it.each([
    ['always', ok, true],
    ['always', failed, true],
    ['always', killed, true],
    ['on-failure', ok, false],
    ['on-failure', failed, true],
    ['on-failure', killed, true],
    ['never', ok, false],
    ['never', failed, false],
    ['never', killed, false],
  ] as const)('%s after %o → %s', (policy, exit, expected) => {
    expect(shouldRestart(policy, exit)).toBe(expected);
  });
});

describe('after an exit nobody asked for', () => {
  const app = { name: 'web', command: 'node server.js' };
  const exit = (code: number | null, description: string) => ({ code, signal: null, description });

  it('a command not found or not executable waits for a change, whatever the policy', () => {
    expect(afterExit({ ...app, restart: 'always' }, exit(127, 'command not found (exit 127)'))).toEqual({
      state: 'failed',
      line:
        'web: command not found (exit 127): node server.js (check the command in your configuration); ' +
        'waiting for a file change',
    });
    expect(afterExit(app, exit(126, 'not executable (exit 126)'))).toMatchObject({
      state: 'failed',
      line: expect.stringContaining('(check its permissions)'),
    });
  });

  it('restarts as its policy says; otherwise crashed or exited, with the policy in its line', () => {
    expect(afterExit(app, exit(1, 'exited with code 1'))).toBe('restart');
    expect(afterExit(app, exit(0, 'exited with code 0'))).toEqual({
      state: 'exited',
      line: 'web exited with code 0; not restarting (restart: on-failure)',
    });
    expect(afterExit({ ...app, restart: 'never' }, exit(1, 'exited with code 1'))).toEqual({
      state: 'crashed',
      line: 'web exited with code 1; not restarting (restart: never)',
    });
  });
});
