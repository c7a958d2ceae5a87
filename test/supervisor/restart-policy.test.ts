import { describe, expect, it } from 'vitest';
import { shouldRestart } from '../../src/supervisor/restart-policy.js';

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
