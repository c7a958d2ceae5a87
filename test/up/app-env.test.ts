// The environment `devenv up` gives each app, layer by layer, without running anything.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectAt } from '../../src/project/project.js';
import { DETACHED_ENV, withAppEnvironment } from '../../src/up/app-env.js';
import { tempDir } from '../supervisor/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function project(files: Record<string, string>) {
  const { dir, cleanup } = tempDir('devenv-app-env-');
  cleanups.push(cleanup);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return projectAt(dir);
}

describe('withAppEnvironment', () => {
  it('layers ours, then .env, then the contract, then the app’s own; up -d’s own variable is not passed on', () => {
    const saved = { ...process.env };
    process.env.FROM_US = 'us';
    process.env.SHARED = 'us';
    process.env[DETACHED_ENV] = '1';
    try {
      const p = project({ '.env': 'SHARED=dotenv\nFROM_DOTENV=d\nPGDATABASE=nope\n' });
      const [web] = withAppEnvironment(p, [
        { name: 'web', command: 'x', cwd: p.root, env: { FROM_DOTENV: 'app', PORT: '3000' } },
      ]);
      expect(web!.env).toMatchObject({
        FROM_US: 'us',
        SHARED: 'dotenv', // .env over ours
        FROM_DOTENV: 'app', // the app's own over .env
        PORT: '3000',
        PGDATABASE: p.env.PGDATABASE, // the contract over .env
        DATABASE_URL: p.env.DATABASE_URL,
      });
      expect(web!.env).not.toHaveProperty(DETACHED_ENV);
      expect(process.env[DETACHED_ENV]).toBe('1'); // our own environment is left as it is
    } finally {
      process.env = saved;
    }
  });
});
