// How devenv.json maps to production files, in-process: command lines, ExecStart quoting, the
// role/database choice and what is named as not exported.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseCommand } from '../../src/export/command-line.js';
import { buildDeployModel, type ExportOptions } from '../../src/export/deploy-model.js';
import { exportNixos } from '../../src/export/nixos.js';
import { exportSystemd } from '../../src/export/systemd.js';
import { loadConfig } from '../../src/project/config.js';
import { tempDir } from '../helpers/project.js';

let dir: string;
beforeEach(() => {
  dir = path.join(tempDir('export-map'), 'myapp');
  mkdirSync(dir);
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

function model(config: object, options: ExportOptions = {}) {
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  return buildDeployModel(dir, loadConfig(dir), options);
}

function unitOf(config: object, options: ExportOptions = {}) {
  const m = model(config, options);
  const result = exportSystemd(m);
  const unit = result.files.find((f) => f.name.endsWith('.service'))!.content;
  return { unit, notes: result.notes, execStart: unit.split('\n').find((l) => l.startsWith('ExecStart='))! };
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('command lines', () => {
  it('splits, unquotes and keeps variable references like sh', () => {
    expect(parseCommand(`node 'my app.js' "a b" c\\ d --port $PORT --x="\${HOST}:1" ''`)).toEqual({
      kind: 'words',
      words: [
        { parts: [{ text: 'node' }], splits: false },
        { parts: [{ text: 'my app.js' }], splits: false },
        { parts: [{ text: 'a b' }], splits: false },
        { parts: [{ text: 'c d' }], splits: false },
        { parts: [{ text: '--port' }], splits: false },
        { parts: [{ variable: 'PORT' }], splits: true },
        { parts: [{ text: '--x=' }, { variable: 'HOST' }, { text: ':1' }], splits: false },
        { parts: [{ text: '' }], splits: false },
      ],
    });
    // A leading exec is what a process of its own does anyway.
    expect(parseCommand('exec node server.js')).toMatchObject({ kind: 'words', words: [{}, {}] });
  });

  it.each([
    ['node a.js | tee log', 'a pipe (|)'],
    ['npm ci && npm start', 'a control operator (&)'],
    ['a; b', 'a command separator (;)'],
    ['node a.js > log', 'a redirection (>)'],
    ['node $(cat args)', 'a command substitution ($(...))'],
    ['node `cat args`', 'a command substitution (`)'],
    ['node ${ARGS:-x}', 'a parameter expansion (${...})'],
    ['node *.js', 'a glob (*)'],
    ['node ~/a.js', 'a home directory (~)'],
    ['PORT=1 node a.js', 'a variable assignment (NAME=value)'],
    ['cd web && node a.js', 'a control operator (&)'],
    ['cd web', 'the shell builtin cd'],
    ['$RUNNER a.js', 'a variable as the program'],
    ["node 'a.js", "an unterminated quote (')"],
    ['node a.js\nnode b.js', 'a line break'],
    ['node a.js $1', 'a special parameter ($1)'],
  ])('%j needs a shell: %s', (command, feature) => {
    expect(parseCommand(command)).toEqual({ kind: 'shell', feature });
  });
});

describe('systemd ExecStart', () => {
  const proc = (command: string, extra: object = {}) => ({ processes: { web: { command, ...extra } } });

  it('a plain command becomes its words; a bare program is left to systemd’s search path, said in a comment', () => {
    const { execStart, unit, notes } = unitOf(proc('node server.js --port $PORT'));
    expect(execStart).toBe('ExecStart=node server.js --port $PORT');
    expect(unit).toContain("# `node` is looked up in systemd's fixed search path");
    expect(notes.filter((n) => n.includes('shell'))).toEqual([]);
  });

  it('quotes for systemd: % and literal $ doubled, spaces and quotes kept, ${NAME} substituted', () => {
    expect(unitOf(proc(`node -e "console.log('100%')" '$HOME' "\${GREETING}!"`)).execStart).toBe(
      `ExecStart=node -e "console.log('100%%')" $$HOME \${GREETING}!`,
    );
  });

  it('a relative program becomes absolute under the app directory and the process cwd', () => {
    mkdirSync(path.join(dir, 'api'));
    expect(unitOf(proc(`'./bin/my server' --fast`, { cwd: 'api' })).execStart).toBe(
      'ExecStart="/opt/myapp/api/bin/my server" --fast',
    );
  });

  it('--exec-start replaces the program and keeps the arguments, for all processes or one', () => {
    expect(unitOf(proc('node server.js'), { execStart: ['/usr/local/bin/node'] }).execStart).toBe(
      'ExecStart=/usr/local/bin/node server.js',
    );
    expect(unitOf(proc('go run .'), { execStart: ['web=/srv/bin/web'] }).execStart).toBe(
      'ExecStart=/srv/bin/web run .',
    );
  });

  it('shell syntax runs under /bin/sh -c, and is named in one line', () => {
    const { execStart, notes, unit } = unitOf(proc('node a.js 2>&1 | tee "x y" 50%'));
    expect(execStart).toBe('ExecStart=/bin/sh -c "node a.js 2>&1 | tee \\"x y\\" 50%%"');
    expect(unit).toContain('# The command needs a shell (a redirection (>)): sh runs it, as `devenv up` does.');
    expect(notes).toContain(
      'processes.web: the command uses shell syntax (a redirection (>)); its unit runs it with /bin/sh -c',
    );
  });

  it('restart never/always and stopGraceMs map to Restart= and TimeoutStopSec=, said in the file', () => {
    const never = unitOf(proc('node a.js', { restart: 'never' })).unit;
    expect(never).toContain('# Not restarted when it exits (restart: never in devenv.json).\nRestart=no\n');
    expect(never).not.toContain('RestartSec');
    const always = unitOf(proc('node a.js', { restart: 'always', stopGraceMs: 1500 })).unit;
    expect(always).toMatch(/# Restarted whenever it exits, even cleanly \(restart: always in devenv\.json\)/);
    expect(always).toContain('Restart=always\nRestartSec=3s\n');
    expect(always).toContain('TimeoutStopSec=1500ms\n');
  });

  it('a port below 1024 gets exactly the capability to bind it', () => {
    const { unit } = unitOf(proc('node a.js', { port: 80 }));
    expect(unit).toContain('AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n');
    expect(unit).not.toContain('CapabilityBoundingSet=\n');
    expect(unitOf(proc('node a.js', { port: 8080 })).unit).toContain('CapabilityBoundingSet=\n');
  });

  it('environment values are quoted for systemd', () => {
    const { unit } = unitOf(proc('node a.js', { env: { A: 'plain', B: 'two words', C: '50%', D: 'say "hi"' } }));
    expect(unit).toContain(
      'Environment=A=plain\nEnvironment="B=two words"\nEnvironment=C=50%%\nEnvironment="D=say \\"hi\\""\n',
    );
  });
});

describe('the model', () => {
  it('names everything after the directory; the role is named like the database, which is named like the app', () => {
    const m = model({ processes: { web: { command: 'node a.js' } } });
    expect({ name: m.name, database: m.database, role: m.role, fromConfig: m.roleFromConfig }).toEqual({
      name: 'myapp',
      database: 'myapp',
      role: 'myapp',
      fromConfig: false,
    });
    expect(m.databaseEnv.DATABASE_URL).toBe('postgresql://myapp@/myapp?host=%2Frun%2Fpostgresql');
    // A database name that cannot be a Linux user name leaves the role named after the app.
    expect(model({ postgres: { database: 'My DB' }, processes: { web: { command: 'x' } } }).role).toBe('myapp');
    expect(model({ processes: { web: { command: 'x' } } }, { name: 'other' }).services[0]!.unit).toBe('other-web');
  });

  it('refuses a superuser role, a role that cannot name a Linux user, bad names, unknown --exec-start targets', () => {
    const web = { processes: { web: { command: 'node a.js' } } };
    expect(errorOf(() => model({ postgres: { role: 'postgres' }, ...web }))).toMatch(
      /postgres\.role "postgres" is the server's superuser; give the app a role of its own/,
    );
    expect(errorOf(() => model({ postgres: { role: 'App Role' }, ...web }))).toMatch(
      /postgres\.role "App Role" cannot name a Linux user, which peer authentication needs/,
    );
    expect(errorOf(() => model(web, { name: 'My App' }))).toBe(
      '--name "My App": use a lower-case letter, then letters, digits, _ or - (at most 32)',
    );
    expect(errorOf(() => model(web, { execStart: ['bin/node'] }))).toMatch(
      /^--exec-start "bin\/node": give the program's absolute path/,
    );
    expect(errorOf(() => model(web, { execStart: ['api=/x'] }))).toBe(
      '--exec-start: there is no process "api" (processes: web)',
    );
  });

  it('names what it does not export, once each, and does not export the .env values', () => {
    writeFileSync(path.join(dir, '.env'), 'SECRET=dev-value\n');
    const m = model({
      postgres: { setup: ['schema.sql'], settings: { work_mem: '8MB' }, extensions: ['vector', 'pgcrypto'] },
      processes: { web: { command: 'node a.js', watch: ['src'] }, jobs: { command: 'node j.js', watch: false } },
    });
    const systemd = exportSystemd(m);
    expect(systemd.notes).toEqual([
      'postgres.setup is not exported: create the schema with your migrations on the server',
      'watch is not exported: restart on file change is for development; after a deploy, systemctl restart the units',
      "postgres.settings is not exported: server settings belong in the server's postgresql.conf",
      "extension vector is not part of PostgreSQL's contrib: install its package on the server before provision-db.sh",
    ]);
    const env = systemd.files.find((f) => f.name === 'myapp.env')!;
    expect(env.content).toContain('\n#SECRET=\n');
    expect(env.content).not.toContain('dev-value');
    expect(exportNixos(m, undefined).notes).toContain(
      "extension vector is not part of PostgreSQL's contrib: add its package to services.postgresql.extensions",
    );
  });

  it('takes Procfile over Procfile.dev, says when only Procfile.dev is there, and refuses an empty project', () => {
    expect(errorOf(() => model({}))).toBe(
      'nothing to export: no processes in devenv.json and no Procfile ' +
        '(a command given to `devenv up -- CMD` is not kept; add it to devenv.json "processes")',
    );
    writeFileSync(path.join(dir, 'Procfile.dev'), 'web: npm run dev\n');
    const dev = model({});
    expect(dev.source).toBe('Procfile.dev');
    expect(exportSystemd(dev).notes[0]).toBe('processes are taken from Procfile.dev (there is no Procfile)');
    writeFileSync(path.join(dir, 'Procfile'), 'web: node server.js\nworker: node w.js | logger\n');
    const prod = model({});
    expect(prod.source).toBe('Procfile');
    expect(prod.services.map((s) => [s.unit, s.command])).toEqual([
      ['myapp-web', 'node server.js'],
      ['myapp-worker', 'node w.js | logger'],
    ]);
    expect(exportSystemd(prod).notes).toContain(
      'Procfile: worker: the command uses shell syntax (a pipe (|)); its unit runs it with /bin/sh -c',
    );
  });

  it('devenv.json entries without a command give the Procfile processes their settings (its port)', () => {
    writeFileSync(path.join(dir, 'Procfile'), 'web: node server.js\nworker: node w.js\n');
    const m = model({ processes: { web: { port: 3000, watch: ['src'] }, clock: { command: 'node clock.js' } } });
    expect(m.services.map((s) => [s.process, s.command, s.port])).toEqual([
      ['web', 'node server.js', 3000],
      ['worker', 'node w.js', undefined],
      ['clock', 'node clock.js', undefined],
    ]);
    expect(errorOf(() => model({ processes: { api: { port: 1 } } }))).toContain(
      'processes.api has no "command" and Procfile has no process "api"; add a command',
    );
  });
});
