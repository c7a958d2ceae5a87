import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearestWord } from '../../src/util/nearest-word.js';

describe('nearestWord', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    expect(editDistance('comand', 'command')).toBe(1);
    expect(editDistance('commandd', 'command')).toBe(1);
    expect(editDistance('cemmand', 'command')).toBe(1);
    expect(editDistance('comamnd', 'command')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('web', 'web')).toBe(0);
  });

  it('names the nearest known word when the typo is small, nothing when it is far', () => {
    const keys = ['command', 'cwd', 'env', 'watch', 'restart', 'port', 'dependsOn', 'ready'];
    expect(nearestWord('comand', keys)).toBe('command');
    expect(nearestWord('dependson', keys)).toBe('dependsOn');
    expect(nearestWord('depends_on', keys)).toBe('dependsOn');
    expect(nearestWord('restrat', keys)).toBe('restart');
    expect(nearestWord('healthcheck', keys)).toBeNull();
    expect(nearestWord('x', keys)).toBeNull();
    expect(nearestWord('c', ['a', 'b'])).toBeNull(); // one letter, all of it wrong: no guess
    expect(nearestWord('cdw', keys)).toBe('cwd');
    expect(didYouMean('comand', keys)).toBe(' (did you mean "command"?)');
    expect(didYouMean('zzz', keys)).toBe('');
  });
});
