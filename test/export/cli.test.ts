// `devenv export` as a user runs it: where files go, what it refuses to overwrite, --stdout, and
// one clear line for every bad input.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devenv, tempDir } from '../helpers/project.js';
import { exportTo, FIXTURES, GOLDEN, readTree } from './helpers.js';

let tmp: string;
let project: string;
beforeEach(() => {
  tmp = tempDir('export-cli');
  project = path.join(tmp, 'hello');
  mkdirSync(project);
  writeFileSync(path.join(project, 'devenv.json'), readFileSync(path.join(FIXTURES.hello, 'devenv.json')));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A failure is exactly one line on stderr, naming the problem, and exit 1. */
function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, message: string | RegExp) {
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(typeof message === 'string' ? `devenv: ${message}\n` : message);
  expect(r.code).toBe(1);
}

describe('devenv export', () => {
  it('writes into deploy/ at the project root, from a subdirectory too, and says what it wrote', async () => {
    mkdirSync(path.join(project, 'src'));
    const r = await devenv(path.join(project, 'src'), ['export', 'systemd']);
    expect(r.code).toBe(0);
    expect(readTree(path.join(project, 'deploy'))).toEqual(readTree(path.join(GOLDEN, 'hello', 'systemd')));
    expect(r.stderr).toContain('wrote ../deploy/hello-web.service\n');
    expect(r.stderr).toContain('wrote ../deploy/hello.env\n');
  });

  it('refuses to overwrite without --force, naming the files and touching none', async () => {
    const out = path.join(tmp, 'out');
    expect((await exportTo(project, 'systemd', out)).code).toBe(0);
    writeFileSync(path.join(out, 'hello-web.service'), 'edited\n');
    const r = await exportTo(project, 'systemd', out);
    expectOneLineError(
      r,
      '../out already has hello-web.service, provision-db.sql, provision-db.sh; pass --force to overwrite them ' +
        '(hello.env is never overwritten), or choose another --out',
    );
    expect(readFileSync(path.join(out, 'hello-web.service'), 'utf8')).toBe('edited\n');
  });

  it('--force rewrites what export generated but never the environment file, nor through symlinks', async () => {
    const out = path.join(tmp, 'out');
    expect((await exportTo(project, 'systemd', out)).code).toBe(0);
    const envFile = path.join(out, 'hello.env');
    writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}SECRET=production-value\n`);
    writeFileSync(path.join(out, 'provision-db.sql'), 'edited\n');
    // A generated file replaced by a symlink to something else: --force replaces the link, not its target.
    const outside = path.join(tmp, 'outside.txt');
    writeFileSync(outside, 'not ours\n');
    rmSync(path.join(out, 'hello-web.service'));
    symlinkSync(outside, path.join(out, 'hello-web.service'));

    const r = await exportTo(project, 'systemd', out, ['--force']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kept ../out/hello.env (it exists; never overwritten)\n');
    expect(readFileSync(envFile, 'utf8')).toContain('\nSECRET=production-value\n');
    expect(readFileSync(outside, 'utf8')).toBe('not ours\n');
    const golden = readTree(path.join(GOLDEN, 'hello', 'systemd'));
    expect(readFileSync(path.join(out, 'hello-web.service'), 'utf8')).toBe(golden['hello-web.service']);
    expect(readFileSync(path.join(out, 'provision-db.sql'), 'utf8')).toBe(golden['provision-db.sql']);
    expect(readdir(out)).toEqual(Object.keys(golden).sort());
  });

  it('never writes through an environment file that is a symlink', async () => {
    const out = path.join(tmp, 'out');
    mkdirSync(out);
    const outside = path.join(tmp, 'secrets.env');
    writeFileSync(outside, 'SECRET=x\n');
    symlinkSync(outside, path.join(out, 'hello.env'));
    const r = await exportTo(project, 'systemd', out);
    expect(r.code).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('SECRET=x\n');
    expect(r.stderr).toContain('kept');
  });

  it('--stdout prints the files, headed by name when there are several, and writes nothing', async () => {
    const r = await devenv(project, ['export', 'systemd', '--stdout']);
    expect(r.code).toBe(0);
    const golden = readTree(path.join(GOLDEN, 'hello', 'systemd'));
    const order = ['hello-web.service', 'hello.env', 'provision-db.sql', 'provision-db.sh'];
    expect(r.stdout).toBe(order.map((f, i) => `${i > 0 ? '\n' : ''}==> ${f} <==\n${golden[f]}`).join(''));
    const caddy = await devenv(project, ['export', 'caddy', '--stdout']);
    expect(caddy.stdout).toBe(readFileSync(path.join(GOLDEN, 'hello', 'caddy', 'Caddyfile'), 'utf8'));
    expect(existsSync(path.join(project, 'deploy'))).toBe(false);
  });

  it.each([
    [['export', 'docker'], 'unknown export target "docker"; use one of: systemd, caddy, nixos'],
    [
      ['export', 'systemd', '--name', 'Hello!'],
      '--name "Hello!": use a lower-case letter, then letters, digits, _ or - (at most 32)',
    ],
    [['export', 'caddy', '--domain', 'a b'], '--domain "a b": give a host name, e.g. --domain example.com'],
    [['export', 'caddy', '--exec-start', '/usr/bin/node'], '--exec-start is for `devenv export systemd`'],
    [['export', 'systemd', '--domain', 'x.org'], '--domain is for `devenv export caddy` and `devenv export nixos`'],
    [['export', 'systemd', '--stdout', '--out', 'x'], '--stdout and --out exclude each other; choose one'],
    [
      ['export', 'systemd', '--exec-start', 'node'],
      `--exec-start "node": give the program's absolute path on the server, ` +
        'for every process (/usr/bin/node) or one (web=/usr/local/bin/web)',
    ],
  ])('%j is refused in one line', async (args, message) => {
    expectOneLineError(await devenv(project, args), message);
    expect(existsSync(path.join(project, 'deploy'))).toBe(false);
  });

  it('a project without processes, or without a port for Caddy, says what to add', async () => {
    writeFileSync(path.join(project, 'devenv.json'), '{}');
    expectOneLineError(
      await devenv(project, ['export', 'nixos']),
      'nothing to export: no processes in devenv.json and no Procfile ' +
        '(a command given to `devenv up -- CMD` is not kept; add it to devenv.json "processes")',
    );
    writeFileSync(path.join(project, 'devenv.json'), '{"processes":{"worker":{"command":"node w.js"}}}');
    expectOneLineError(
      await devenv(project, ['export', 'caddy']),
      'no process declares a port, so there is nothing for Caddy to forward to: ' +
        'set processes.<name>.port in devenv.json',
    );
    expectOneLineError(
      await devenv(project, ['export', 'nixos', '--domain', 'example.com']),
      '--domain: no process declares a port, so there is nothing to serve on it',
    );
  });

  it('--out pointing at a file is refused', async () => {
    writeFileSync(path.join(tmp, 'file'), '');
    expectOneLineError(
      await exportTo(project, 'caddy', path.join(tmp, 'file')),
      '../file is not a directory; choose another --out',
    );
  });
});

function readdir(dir: string): string[] {
  return Object.keys(readTree(dir)).sort();
}
