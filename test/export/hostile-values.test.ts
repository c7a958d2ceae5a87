// Hostile values through every field an export writes, read back by the programs that read the files
// on a server: systemd (systemd-analyze verify, and `systemd --test`, which loads the units and prints
// what it read), Nix (parse, evaluate, and the units nixpkgs would make of the module, loaded by
// systemd), sh (the environment file, the NixOS setup script) and Caddy. Each value must come back
// exactly as written, and no line, key or attribute may appear that a plain value would not give.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeployModel, type DeployModel } from '../../src/export/deploy-model.js';
import { exportNixos } from '../../src/export/nixos.js';
import { dbnameConninfo, sqlIdent } from '../../src/export/provision-db.js';
import { exportSystemd } from '../../src/export/systemd.js';
import { loadConfig } from '../../src/project/config.js';
import { singleQuote } from '../../src/shell/posix-quote.js';
import { baseEnv, devenv, runProcess, tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { exportTo, NIX_DIR, notes, readTree } from './helpers.js';
import {
  type EvaluatedConfig,
  loadUnits,
  MULTILINE,
  NAMES,
  needSystemd,
  PRINTABLE,
  splitCalls,
  unitKeys,
} from './hostile.js';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('export-hostile');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const VALUES = [...PRINTABLE, ...MULTILINE].map(([, v]) => v);

/**
 * For value i: process w<i> runs plain words (ExecStart= gets them), s<i> a pipe (sh gets it); both carry
 * the value in an argument, their env and (names only) their working directory. The databases and
 * extensions are the names.
 */
function hostileConfig(plain = false) {
  const processes: Record<string, object> = {};
  VALUES.forEach((value, i) => {
    const v = plain ? 'plain' : value;
    const cwd = /[\t\n]/.test(v) ? {} : { cwd: `d/${v}/e` };
    processes[`w${i}`] = {
      command: `printf '%s\\n' ${singleQuote(v)} "$PORT"x`,
      port: 3000 + i,
      env: { V: v },
      ...cwd,
    };
    processes[`s${i}`] = { command: `printf '%s\\n' ${singleQuote(v)} | cat`, env: { V: v }, ...cwd };
  });
  const names = plain ? ['plain', 'plain2'] : NAMES;
  return {
    postgres: { database: names[0], databases: names.slice(1), role: 'app', extensions: names },
    processes,
  };
}

function project(name: string, config: object): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  return dir;
}

function modelOf(dir: string): DeployModel {
  return buildDeployModel(dir, loadConfig(dir));
}

/** The value process `w<i>`/`s<i>` carries. */
const carried = (process: string) => VALUES[Number(process.slice(1))]!;

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

describe('the NixOS module', () => {
  // As root without a nix daemon: no build users, and a store that is never touched.
  const nix = (args: string[]) =>
    runProcess('nix-instantiate', ['--store', 'dummy://', ...args], {
      cwd: NIX_DIR,
      env: baseEnv({ HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache'), NIX_CONFIG: 'build-users-group =' }),
    });

  async function evaluate(module: string, name = 'hostile') {
    const set = '{ enable = true; package = { outPath = "/nix/store/app"; }; }';
    const args = ['--argstr', 'name', name, '--arg', 'module', module, '--arg', 'set', set];
    const r = await nix(['--eval', '--strict', '--json', 'units.nix', ...args]);
    if (r.code !== 0) throw new Error(`nix-instantiate --eval failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as {
      evaluated: { config: EvaluatedConfig; values: { path: string[] } };
      units: Record<string, string>;
    };
  }

  it('parses and evaluates to the values as written; the units nixpkgs makes of it give them back', async () => {
    need('nix-instantiate');
    needSystemd();
    const dir = project('hostile', hostileConfig());
    const out = path.join(tmp, 'nixos');
    expect((await exportTo(dir, 'nixos', out)).code).toBe(0);
    const module = path.join(out, 'hostile.nix');
    const parsed = await nix(['--parse', module]);
    expect([parsed.code, parsed.stderr]).toEqual([0, '']);

    const model = modelOf(dir);
    const { evaluated, units } = await evaluate(module);
    const { services, systemd } = evaluated.config;
    expect(Object.keys(systemd.services).sort()).toEqual(
      [...model.services.map((s) => s.unit), 'postgresql-setup'].sort(),
    );
    expect(services.postgresql).toEqual({ enable: true, ensureDatabases: NAMES, ensureUsers: [{ name: 'app' }] });
    const plain = await evaluate(path.join(writeModule('plain'), 'plain.nix'), 'plain');
    const plainService = (p: string) => plain.evaluated.config.systemd.services[`plain-${p[0]}0`];
    for (const s of model.services) {
      const service = systemd.services[s.unit];
      expect(Object.keys(service).sort()).toEqual(Object.keys(plainService(s.process)).sort());
      expect(Object.keys(service.serviceConfig).sort()).toEqual(
        Object.keys(plainService(s.process).serviceConfig).sort(),
      );
      expect(Object.keys(service.environment).sort()).toEqual(Object.keys(plainService(s.process).environment).sort());
      expect(service.script).toBe(s.process.startsWith('w') ? `exec ${s.command}` : s.command);
      // What nixpkgs writes into the unit: % doubled, for systemd.
      expect(service.environment.V).toBe(carried(s.process).replaceAll('%', '%%'));
      expect(service.serviceConfig.WorkingDirectory).toBe(
        path.posix.join('/nix/store/app', s.cwd).replaceAll('%', '%%'),
      );
    }

    const unitDir = path.join(tmp, 'nixos-units');
    mkdirSync(unitDir, { mode: 0o755 });
    for (const [name, text] of Object.entries(units)) writeFileSync(path.join(unitDir, `${name}.service`), text);
    const loaded = await loadUnits(
      unitDir,
      Object.keys(units).map((n) => `${n}.service`),
    );
    expect(loaded.warnings).toBe('');
    for (const s of model.services) {
      const unit = loaded.units[`${s.unit}.service`]!;
      expect(unit.description).toBe(`hostile: ${s.process}`);
      expect(unit.workingDirectory).toBe(path.posix.join('/nix/store/app', s.cwd));
      expect(unit.block).toContain(`\t\tEnvironment: V=${carried(s.process)}\n`);
      expect(unit.block).toContain(`\t\tEnvironment: PGDATABASE=${NAMES[0]}\n`);
      expect(unit.block).toContain(`\t\tEnvironment: DATABASE_URL=${model.databaseEnv.DATABASE_URL}\n`);
    }

    // The setup script, run by bash as NixOS does, with a psql that records its arguments.
    const bin = path.join(tmp, 'stub-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'psql'), '#!/bin/sh\nprintf \'%s\\0\' "$#" "$@"\n', { mode: 0o755 });
    const run = await runProcess('bash', ['-e', '-c', systemd.services['postgresql-setup'].script], {
      cwd: tmp,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: tmp },
    });
    expect(run.stderr).toBe('');
    const calls = splitCalls(run.stdout);
    const psql = (...args: string[]) => ['-v', 'ON_ERROR_STOP=1', ...args];
    expect(calls).toEqual([
      ...NAMES.map((db) => psql('-c', `ALTER DATABASE ${sqlIdent(db)} OWNER TO "app"`)),
      ...NAMES.flatMap((db) =>
        NAMES.map((ext) => psql('-d', dbnameConninfo(db), '-c', `CREATE EXTENSION IF NOT EXISTS ${sqlIdent(ext)}`)),
      ),
    ]);
  });

  it('a program named like an Object property (constructor, __proto__) is no runtime to guess', async () => {
    need('nix-instantiate');
    const commands = { a: 'constructor x', b: '__proto__ x', c: 'toString x', d: 'node x' };
    const dir = project('protos', {
      processes: Object.fromEntries(Object.entries(commands).map(([p, c]) => [p, { command: c }])),
    });
    const out = path.join(tmp, 'nixos-protos');
    expect((await exportTo(dir, 'nixos', out)).code).toBe(0);
    const { evaluated } = await evaluate(path.join(out, 'protos.nix'), 'protos');
    expect(evaluated.values.path).toEqual(['/nix/store/stub-nodejs']);
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

/** A plain twin of the hostile project, exported as a NixOS module; returns its directory. */
function writeModule(name: string): string {
  const dir = project(name, hostileConfig(true));
  const file = exportNixos(modelOf(dir), undefined).files[0]!;
  writeFileSync(path.join(dir, file.name), file.content);
  return dir;
}
