// The one environment builder for what devenv starts for the user (apps, exec, setup commands, psql).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { childEnvironment, DETACHED_ENV } from '../../src/project/child-env.js';
import { projectAt } from '../../src/project/project.js';
import { tempDir } from '../supervisor/helpers.js';

const cleanups: (() => void)[] = [];
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  for (const c of cleanups.splice(0)) c();
});

function project(config: object) {
  const { dir, cleanup } = tempDir('devenv-child-env-');
  cleanups.push(cleanup);
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  writeFileSync(path.join(dir, '.env'), 'FROM_DOTENV=d\nSHARED=dotenv\nPGDATABASE=nope\n');
  return projectAt(dir);
}

it('layers ours (less what devenv set for itself), the .env, the contract, then the extra variables', () => {
  process.env.SHARED = 'us';
  process.env[DETACHED_ENV] = '1';
  const p = project({ postgres: { databases: ['other'] } });
  const env = childEnvironment(p, { database: 'other', extra: { SHARED: 'extra' } });
  expect(env).toMatchObject({ FROM_DOTENV: 'd', SHARED: 'extra', PGDATABASE: 'other', PGHOST: p.env.PGHOST });
  expect(env.DATABASE_URL).toMatch(/@\/other\?host=/);
  expect(env).not.toHaveProperty(DETACHED_ENV);
  expect(process.env[DETACHED_ENV]).toBe('1'); // our own environment is left as it is
});

it('without the .env (psql) the contract still wins over ours', () => {
  process.env.PGDATABASE = 'elsewhere';
  const p = project({});
  const env = childEnvironment(p, { dotenv: false });
  expect(env).not.toHaveProperty('FROM_DOTENV');
  expect(env.PGDATABASE).toBe(p.env.PGDATABASE);
});
