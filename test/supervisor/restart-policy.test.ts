import { describe, expect, it } from 'vitest';
import { parseRestartPolicy, shouldRestart } from '../../src/supervisor/restart-policy.js';

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
    expect(shouldRestart(policy, exit, false)).toBe(expected);
  });

  it('never restarts while we are stopping', () => {
    for (const policy of ['always', 'on-failure', 'never'] as const) {
      for (const exit of [ok, failed, killed]) expect(shouldRestart(policy, exit, true)).toBe(false);
    }
  });

  it('validates configured values', () => {
    expect(parseRestartPolicy(undefined)).toBe('on-failure');
    expect(parseRestartPolicy('always')).toBe('always');
    expect(() => parseRestartPolicy('sometimes', 'processes.web.restart')).toThrow(
      'processes.web.restart: expected one of always, on-failure, never, got "sometimes"',
    );
    expect(() => parseRestartPolicy(1)).toThrow(/got 1/);
  });
});
