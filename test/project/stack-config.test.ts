// devenv.json `dependsOn` and `ready`, and `processes` over a Procfile: read into app definitions, or
// refused at load with one line naming the key.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/project/config.js';
import { appDefinitions } from '../../src/project/processes.js';
import { tempDir } from '../helpers/project.js';

const base = tempDir('stack-config');
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function project(config: unknown, procfile?: string): string {
  const dir = path.join(base, String(n++));
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  if (procfile !== undefined) writeFileSync(path.join(dir, 'Procfile.dev'), procfile);
  return dir;
}

function apps(config: unknown, procfile?: string) {
  const dir = project(config, procfile);
  return { dir, ...appDefinitions(dir, loadConfig(dir), []) };
}

function refusal(config: unknown, procfile?: string): string {
  try {
    apps(config, procfile);
  } catch (err) {
    return (err as Error).message.replace(/^.*devenv\.json: /, '');
  }
  return 'accepted';
}

describe('dependsOn and ready', () => {
  it('carries the issue example into the app definitions', () => {
    const { apps: defs } = apps({
      processes: {
        migrate: { command: 'npx knex migrate:latest', restart: 'never', watch: ['migrations'] },
        web: { command: 'node server.js', port: 3000, dependsOn: { migrate: 'completed' }, ready: { http: '/health' } },
        worker: { command: 'node worker.js', dependsOn: { web: 'ready' } },
        logs: { command: 'x', ready: { log: 'listening on \\d+', intervalMs: 50, timeoutMs: 2000 } },
        probe: { command: 'x', ready: { command: 'test -f ready' } },
        cache: { command: 'x', ready: { tcp: 6379 } },
      },
    });
    const byName = Object.fromEntries(defs.map((a) => [a.name, a]));
    expect(byName.web).toMatchObject({
      dependsOn: { migrate: 'completed' },
      ready: { kind: 'http', port: 3000, path: '/health' },
    });
    expect(byName.worker!.dependsOn).toEqual({ web: 'ready' });
    expect(byName.worker!.ready).toBeUndefined();
    expect(byName.logs!.ready).toEqual({ kind: 'log', pattern: 'listening on \\d+', intervalMs: 50, timeoutMs: 2000 });
    expect(byName.probe!.ready).toMatchObject({ kind: 'command', command: 'test -f ready' });
    expect(byName.cache!.ready).toMatchObject({ kind: 'tcp', port: 6379 });
  });

  it.each([
    [
      { web: { command: 'x', dependsOn: { wrker: 'ready' } }, worker: { command: 'y' } },
      'processes.web.dependsOn: there is no process "wrker" (did you mean "worker"?)',
    ],
    [
      { a: { command: 'x', dependsOn: { b: 'ready' } }, b: { command: 'y', dependsOn: { a: 'started' } } },
      'processes.a.dependsOn: a cycle: a → b → a',
    ],
    [
      { web: { command: 'x', dependsOn: { m: 'completed' } }, m: { command: 'y', restart: 'always' } },
      'processes.web.dependsOn.m: "completed" waits for m to exit 0, but m restarts always',
    ],
    [
      { web: { command: 'x', dependsOn: { m: 'complete' } }, m: { command: 'y' } },
      'processes.web.dependsOn.m: must be one of "started", "ready", "completed", got "complete" ' +
        '(did you mean "completed"?)',
    ],
    [
      { web: { command: 'x', ready: { http: '/health' } } },
      "processes.web.ready.http: the http probe asks the process's port: set processes.web.port",
    ],
    [
      { web: { command: 'x', port: 3000, ready: { http: 'health' } } },
      'processes.web.ready.http: a path starting with "/"',
    ],
    [
      { web: { command: 'x', ready: { log: 'ready (' } } },
      'processes.web.ready.log: not a regular expression: Unterminated group',
    ],
    [
      { web: { command: 'x', ready: { tcp: 1, http: '/' } } },
      'processes.web.ready: give only one of "http", "tcp", "command", "log" (it has "http" and "tcp")',
    ],
    [
      { web: { command: 'x', ready: { timeoutMs: 500 } } },
      'processes.web.ready: give one of "http", "tcp", "command", "log"',
    ],
    [{ web: { comand: 'x' } }, 'processes.web.comand: unknown key, did you mean "command"?'],
    [{ web: { command: 'x', dependson: {} } }, 'processes.web.dependson: unknown key, did you mean "dependsOn"?'],
    [{ web: { command: 'x', ready: { htp: '/' } } }, 'processes.web.ready.htp: unknown key, did you mean "http"?'],
  ])('refuses %j with one line', (processes, line) => {
    const msg = refusal({ processes });
    expect(msg).toContain(line);
    expect(msg).not.toContain('\n');
  });
});

describe('processes over a Procfile', () => {
  const procfile = 'web: node server.js\nworker: node worker.js\nclock: node clock.js\n';

  it('an entry without a command adds its settings to the Procfile process; the rest run as the Procfile says', () => {
    const {
      dir,
      apps: defs,
      source,
    } = apps(
      {
        processes: {
          worker: { watch: ['jobs'], dependsOn: { web: 'ready' } },
          web: { port: 3000, ready: { http: '/' }, watch: ['src'] },
          migrate: { command: 'node migrate.js', restart: 'never' },
        },
      },
      procfile,
    );
    expect(source).toBe('Procfile.dev and devenv.json');
    expect(defs.map((a) => [a.name, a.command])).toEqual([
      ['web', 'node server.js'],
      ['worker', 'node worker.js'],
      ['clock', 'node clock.js'],
      ['migrate', 'node migrate.js'],
    ]);
    const byName = Object.fromEntries(defs.map((a) => [a.name, a]));
    expect(byName.worker).toMatchObject({ watch: [path.join(dir, 'jobs')], dependsOn: { web: 'ready' } });
    expect(byName.web).toMatchObject({ env: { PORT: '3000' }, ready: { kind: 'http', port: 3000 } });
    // The default watch scope: the whole project (watch.paths), for a Procfile process as for any.
    expect(byName.clock!.watch).toEqual([dir]);
  });

  it('an entry with a command replaces the Procfile command of that name', () => {
    const { apps: defs } = apps({ processes: { web: { command: 'node other.js' }, worker: {} } }, procfile);
    expect(defs.find((a) => a.name === 'web')!.command).toBe('node other.js');
  });

  it('when every entry has a command, the Procfile is not read', () => {
    const { apps: defs, source } = apps({ processes: { only: { command: 'x' } } }, procfile);
    expect(source).toBe('devenv.json');
    expect(defs.map((a) => a.name)).toEqual(['only']);
  });

  it('an entry without a command that no Procfile has is one line', () => {
    expect(refusal({ processes: { web: { port: 1 } } })).toBe(
      'processes.web has no "command" and there is no Procfile.dev or Procfile to take it from; add a command',
    );
    expect(refusal({ processes: { api: { port: 1 } } }, procfile)).toBe(
      'processes.api has no "command" and Procfile.dev has no process "api"; add a command',
    );
  });

  it('dependencies may name Procfile processes, and are checked across both', () => {
    expect(refusal({ processes: { worker: { dependsOn: { web: 'ready' } } } }, procfile)).toBe('accepted');
    expect(refusal({ processes: { worker: { dependsOn: { api: 'ready' } } } }, procfile)).toContain(
      'processes.worker.dependsOn: there is no process "api"',
    );
  });
});
