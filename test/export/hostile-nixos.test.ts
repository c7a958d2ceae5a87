// Hostile values through the NixOS module: Nix parses and evaluates it to the values as written, the units
// nixpkgs makes of it give them back to systemd, and its setup script gives them to psql as written.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportNixos } from '../../src/export/nixos.js';
import { dbnameConninfo, sqlIdent } from '../../src/export/provision-db.js';
import { baseEnv, runProcess, tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { exportTo, NIX_DIR } from './helpers.js';
import { type EvaluatedConfig, loadUnits, NAMES, needSystemd, splitCalls } from './hostile.js';
import { carried, hostileConfig, modelOf, projectIn } from './hostile-project.js';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('export-hostile');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const project = (name: string, config: object) => projectIn(tmp, name, config);

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

/** A plain twin of the hostile project, exported as a NixOS module; returns its directory. */
function writeModule(name: string): string {
  const dir = project(name, hostileConfig(true));
  const file = exportNixos(modelOf(dir), undefined).files[0]!;
  writeFileSync(path.join(dir, file.name), file.content);
  return dir;
}
