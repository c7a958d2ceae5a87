// The examples/hello demo under `devenv up -d`: HTTP through PORT, a visit counter in the
// project's postgres through DATABASE_URL.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { devenv, REPO } from '../helpers/project.js';
import { finish, makeProject, waitRunning } from './helpers.js';

describe('examples/hello', () => {
  const example = path.join(REPO, 'examples', 'hello');
  const files: Record<string, string> = {};
  for (const f of ['server.js', 'package.json', 'devenv.json']) files[f] = readFileSync(path.join(example, f), 'utf8');
  const dir = makeProject('hello', files);
  // The demo takes pg from the checkout's node_modules, as it does in place.
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const groups = new Set<number>();
  afterAll(() => finish(dir, groups));

  it('answers HTTP with a visit counter that increments', async () => {
    const port = await freePort();
    const config = JSON.parse(files['devenv.json']!);
    config.processes.web.port = port;
    delete config.$schema;
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));

    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    groups.add((await waitRunning(dir, 'web')).pid!);
    const get = async () => {
      for (let i = 0; i < 200; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          return { status: res.status, body: await res.text() };
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // not listening yet
        }
      }
      throw new Error('hello never answered');
    };
    const first = await get();
    expect(first.status, first.body).toBe(200);
    expect(first.body).toMatch(/^Hello from devenv!/);
    expect(first.body).toMatch(/^postgres: +\d+\.\d+/m);
    const visits = (body: string) => Number(/^visits: +(\d+)/m.exec(body)?.[1]);
    const second = await get();
    expect(visits(second.body)).toBe(visits(first.body) + 1);
  });
});
