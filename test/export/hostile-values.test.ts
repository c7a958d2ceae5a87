// Hostile values through every field an export writes, read back by the programs that read the files
// on a server: systemd (systemd-analyze verify, and `systemd --test`, which loads the units and prints
// what it read), Nix (parse, evaluate, and the units nixpkgs would make of the module, loaded by
// systemd), sh (the environment file, the NixOS setup script) and Caddy. Each value must come back
// exactly as written, and no line, key or attribute may appear that a plain value would not give.
// The NixOS module: hostile-nixos.test.ts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSystemd } from '../../src/export/systemd.js';
import { singleQuote } from '../../src/shell/posix-quote.js';
import { baseEnv, devenv, runProcess, tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { exportTo, notes, readTree } from './helpers.js';
import { loadUnits, NAMES, needSystemd, PRINTABLE, unitKeys } from './hostile.js';
import { carried, hostileConfig, modelOf, projectIn, VALUES } from './hostile-project.js';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('export-hostile');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const project = (name: string, config: object) => projectIn(tmp, name, config);

/** What ExecStart= must hold for a process: systemd keeps `$$` until it substitutes variables at start. */
function expectedArgv(command: string, process: string): string[] {
  const dollars = (t: string) => t.replaceAll('$', () => '$$');
  return process.startsWith('w')
    ? ['printf', '%s\\n', dollars(carried(process)), '${PORT}x']
    : ['/bin/sh', '-c', dollars(command)];
}

describe('systemd units', () => {
  it('keep every value literal: verify is silent, systemd reads each back, no line or key is added', async () => {
    need('systemd-analyze');
    needSystemd();
    const dir = project('hostile', hostileConfig());
    const out = path.join(tmp, 'systemd');
    const r = await exportTo(dir, 'systemd', out);
    expect(r.code).toBe(0);
    for (const note of notes(r.stderr)) expect(note).not.toMatch(/[\r\0]/);

    const model = modelOf(dir);
    const units = model.services.map((s) => `${s.unit}.service`);
    const files = readTree(out);
    const verify = await runProcess('systemd-analyze', ['verify', '--man=no', ...units.map((u) => path.join(out, u))], {
      cwd: tmp,
      env: baseEnv({ HOME: tmp }),
    });
    expect(verify.stdout + verify.stderr).toBe('');

    const reference = exportSystemd(modelOf(project('plain', hostileConfig(true)))).files;
    const referenceKeys = (p: string) => unitKeys(reference.find((f) => f.name === `plain-${p[0]}0.service`)!.content);
    const loaded = await loadUnits(out, units);
    expect(loaded.warnings).toBe('');
    for (const s of model.services) {
      const unit = loaded.units[`${s.unit}.service`]!;
      expect(unitKeys(files[`${s.unit}.service`]!)).toEqual(referenceKeys(s.process));
      expect(unit.description).toBe(`hostile: ${s.process}`);
      expect(unit.workingDirectory).toBe(path.posix.join('/opt/hostile', s.cwd));
      expect(unit.exec).toEqual([{ kind: 'ExecStart', argv: expectedArgv(s.command, s.process) }]);
      expect(unit.block).toContain(`\t\tEnvironment: V=${carried(s.process)}\n`);
    }
    // A name in the middle of a path stays as written (backslashes are read as / on purpose).
    expect(model.services.find((s) => s.process === 'w0')!.cwd).toBe(`d/${VALUES[0]}/e`);
  });

  it('the environment file gives PGDATABASE and DATABASE_URL back as written, read the way systemd does', async () => {
    const out = path.join(tmp, 'systemd');
    // systemd's EnvironmentFile= and sh agree on these lines: plain words, or "..." where only \ " $ ` are
    // escaped.
    const r = await runProcess('sh', ['-c', `set -a; . ${singleQuote(path.join(out, 'hostile.env'))}; env -0`], {
      cwd: tmp,
      env: {},
    });
    const env = Object.fromEntries(
      r.stdout
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(env.PGDATABASE).toBe(NAMES[0]);
    expect(env.PGUSER).toBe('app');
    const url = /^postgresql:\/\/app@\/([^?]*)\?host=%2Frun%2Fpostgresql$/.exec(env.DATABASE_URL!);
    expect(decodeURIComponent(url![1]!)).toBe(NAMES[0]);
  });
});

describe('a Procfile', () => {
  it('gives its commands to ExecStart= as written', async () => {
    needSystemd();
    const dir = path.join(tmp, 'procfile');
    mkdirSync(dir, { recursive: true });
    const lines = PRINTABLE.map(([, v], i) => `p${i}: printf '%s\\n' ${singleQuote(v)}\n`);
    writeFileSync(path.join(dir, 'Procfile'), lines.join(''));
    writeFileSync(path.join(dir, 'devenv.json'), '{}');
    const out = path.join(tmp, 'procfile-systemd');
    expect((await exportTo(dir, 'systemd', out)).code).toBe(0);
    const units = PRINTABLE.map((_, i) => `procfile-p${i}.service`);
    const loaded = await loadUnits(out, units);
    expect(loaded.warnings).toBe('');
    PRINTABLE.forEach(([, v], i) => {
      const argv = ['printf', '%s\\n', v.replaceAll('$', () => '$$')];
      expect(loaded.units[units[i]!]!.exec).toEqual([{ kind: 'ExecStart', argv }]);
    });
  });
});

describe('the Caddyfile', () => {
  const ports = { web: 3000, my_worker: 3001, 'Api-2': 3002, '9lives': 3003, _x_: 3004 };
  const processes = Object.fromEntries(Object.entries(ports).map(([p, port]) => [p, { command: 'x', port }]));

  async function sites(dir: string, args: string[]): Promise<[string[], string][]> {
    const r = await devenv(dir, ['export', 'caddy', '--stdout', ...args]);
    expect(r.code).toBe(0);
    const file = path.join(tmp, 'Caddyfile');
    writeFileSync(file, r.stdout);
    const env = baseEnv({
      HOME: tmp,
      XDG_DATA_HOME: path.join(tmp, 'data'),
      XDG_CONFIG_HOME: path.join(tmp, 'config'),
    });
    const adapted = await runProcess('caddy', ['adapt', '--adapter', 'caddyfile', '--config', file], { cwd: tmp, env });
    expect(adapted.code).toBe(0);
    const routes = JSON.parse(adapted.stdout).apps.http.servers.srv0.routes as {
      match: { host: string[] }[];
      handle: { routes: { handle: { upstreams: { dial: string }[] }[] }[] }[];
    }[];
    return routes.map((r) => [r.match[0]!.host, r.handle[0]!.routes[0]!.handle[0]!.upstreams[0]!.dial]);
  }

  it('serves each ported process on its own host, as caddy adapt reads it; a wildcard serves one', async () => {
    need('caddy');
    const dir = project('sites', { processes });
    const hosts = (domain: string) => [
      [[domain], 'localhost:3000'],
      [[`my-worker.${domain}`], 'localhost:3001'],
      [[`api-2.${domain}`], 'localhost:3002'],
      [[`9lives.${domain}`], 'localhost:3003'],
      [[`x.${domain}`], 'localhost:3004'],
    ];
    expect(new Set(await sites(dir, ['--domain', 'Shop.EXAMPLE.com']))).toEqual(new Set(hosts('shop.example.com')));
    const idn = 'xn--bcher-kva.example';
    expect(new Set(await sites(dir, ['--domain', idn]))).toEqual(new Set(hosts(idn)));
    const one = project('one-site', { processes: { web: { command: 'x', port: 8080 } } });
    expect(await sites(one, ['--domain', '*.example.com'])).toEqual([[['*.example.com'], 'localhost:8080']]);
  });
});
