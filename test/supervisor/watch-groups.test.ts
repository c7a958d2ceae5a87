import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../src/app-definition.js';
import { watchGroups } from '../../src/supervisor/watch-groups.js';

const root = '/srv/proj';
const app = (name: string, watch?: string[]): AppDefinition => ({ name, command: 'x', cwd: root, watch });

describe('watchGroups', () => {
  it('apps watching the same paths share a group, however they spell them; watch: [] is in none', () => {
    const groups = watchGroups(root, [
      app('web'),
      app('api', ['.']),
      app('css', ['styles', 'src']),
      app('js', [`${root}/src`, './styles']),
      app('worker', []),
    ]);
    expect(groups).toEqual([
      { paths: ['.'], names: ['web', 'api'] },
      { paths: ['styles', 'src'], names: ['css', 'js'] },
    ]);
  });

  it('no apps, no groups', () => {
    expect(watchGroups(root, [])).toEqual([]);
    expect(watchGroups(root, [app('a', []), app('b', [])])).toEqual([]);
  });
});
