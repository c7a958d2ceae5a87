import { describe, expect, it } from 'vitest';
import { dotenvKeyNotes, isBlockedKey, planEnvironment, sortDotenvKeys } from '../../src/shell/env-plan.js';

const contract = { PGDATA: '/p/.pgres', DATABASE_URL: 'postgresql://me@/db?host=%2Fp%2F.pgres' };

describe('planEnvironment', () => {
  it('is the contract alone without a .env, or with one that is absent', () => {
    expect(planEnvironment(contract, { status: 'absent' })).toEqual({
      keys: ['PGDATA', 'DATABASE_URL'],
      values: ['/p/.pgres', 'postgresql://me@/db?host=%2Fp%2F.pgres'],
      notes: [],
    });
  });

  it('an untrusted, changed or unreadable .env loads nothing and says why once', () => {
    const untrusted = planEnvironment(contract, { status: 'untrusted', count: 2 });
    expect(untrusted.keys).toEqual(['PGDATA', 'DATABASE_URL']);
    expect(untrusted.notes).toEqual([
      'devenv: .env is not allowed (2 keys not loaded): run `devenv allow` to trust it',
    ]);
    expect(planEnvironment(contract, { status: 'untrusted', count: 1 }).notes[0]).toContain('(1 key not loaded)');
    expect(planEnvironment(contract, { status: 'changed', changed: ['A', 'B'] }).notes).toEqual([
      'devenv: .env changed since `devenv allow` (A, B): not loaded until you run `devenv allow` again',
    ]);
    expect(planEnvironment(contract, { status: 'changed', changed: [] }).notes[0]).toContain(
      '(no key changed, only its text)',
    );
    expect(planEnvironment(contract, { status: 'unreadable', message: 'cannot read .env: EACCES' })).toMatchObject({
      keys: ['PGDATA', 'DATABASE_URL'],
      notes: ['devenv: cannot read .env: EACCES'],
    });
  });

  it('a trusted .env adds its keys after the contract, never over it, and never the dangerous ones', () => {
    const values = { FOO: 'f', PATH: '/evil', DATABASE_URL: 'elsewhere', 'not-a-name': 'x', LD_AUDIT: 'y' };
    const plan = planEnvironment(contract, { status: 'trusted', values });
    expect(plan.keys).toEqual(['PGDATA', 'DATABASE_URL', 'FOO']);
    expect(plan.values).toEqual([contract.PGDATA, contract.DATABASE_URL, 'f']);
    expect(plan.notes).toEqual([
      'devenv: never exported from .env (they could run code or take over the shell): PATH, LD_AUDIT',
      'devenv: .env keys that are not variable names were skipped: not-a-name',
      'devenv: .env keys ignored because devenv sets them: DATABASE_URL',
    ]);
  });
});

describe('sortDotenvKeys and dotenvKeyNotes', () => {
  it('sort keys by what happens to them; no notes when everything is accepted', () => {
    expect(sortDotenvKeys({ A: '1', PROMPT_COMMAND: 'x', '1X': 'y' }, { A: 'ours' })).toEqual({
      blocked: ['PROMPT_COMMAND'],
      invalid: ['1X'],
      shadowed: ['A'],
      accepted: [],
    });
    expect(dotenvKeyNotes(sortDotenvKeys({ A: '1', B: '2' }))).toEqual([]);
  });

  it('blocks the keys that run code in shells or loaders, and our own', () => {
    for (const key of ['PATH', 'BASH_ENV', 'NODE_OPTIONS', 'LD_PRELOAD', 'DYLD_INSERT_LIBRARIES', 'fish_greeting']) {
      expect(isBlockedKey(key), key).toBe(true);
    }
    expect(isBlockedKey('PGRES_RUN_AS')).toBe(true);
    expect(isBlockedKey('DATABASE_URL')).toBe(false);
    expect(isBlockedKey('API_KEY')).toBe(false);
  });
});
