// The generated files, checked by the real tools that will read them: systemd-analyze, caddy and
// nix-instantiate. A missing tool skips its test here with the reason, and fails in CI.
import { chmodSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runProcess, tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { exportTo, FIXTURES, GOLDEN, NIX_DIR, readTree } from './helpers.js';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('export-tools');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The tools run with their caches and state in our temp dir. */
function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({
    HOME: tmp,
    XDG_DATA_HOME: path.join(tmp, 'data'),
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    ...extra,
  });
}

describe('systemd-analyze verify', () => {
  // A stub program to stand at ExecStart, and a stub postgresql.service for Requires= (the host's
  // own may be missing); SYSTEMD_UNIT_PATH ending in ':' keeps the standard unit directories too.
  function stubs(): { program: string; env: NodeJS.ProcessEnv } {
    const program = path.join(tmp, 'bin', 'app');
    mkdirSync(path.dirname(program), { recursive: true });
    writeFileSync(program, '#!/bin/sh\nexit 0\n');
    chmodSync(program, 0o755);
    const units = path.join(tmp, 'units');
    mkdirSync(units, { recursive: true });
    writeFileSync(path.join(units, 'postgresql.service'), '[Unit]\nDescription=stub\n[Service]\nExecStart=/bin/true\n');
    return { program, env: toolEnv({ SYSTEMD_UNIT_PATH: `${units}:` }) };
  }

  /** verify prints problems as warnings but still exits 0: silence is the success. */
  async function verify(units: string[], env: NodeJS.ProcessEnv) {
    return runProcess('systemd-analyze', ['verify', '--man=no', ...units], { cwd: tmp, env });
  }

  it.for(['hello', 'shop'] as const)(
    'accepts every unit of %s, which differ from the golden ones only in ExecStart',
    async (fixture) => {
      need('systemd-analyze');
      const { program, env } = stubs();
      const out = path.join(tmp, `systemd-${fixture}`);
      const r = await exportTo(FIXTURES[fixture], 'systemd', out, ['--exec-start', program]);
      expect(r.code).toBe(0);
      const units = Object.keys(readTree(out)).filter((f) => f.endsWith('.service'));
      expect(units.length).toBeGreaterThan(0);
      const v = await verify(
        units.map((u) => path.join(out, u)),
        env,
      );
      expect(v.stdout + v.stderr).toBe('');
      expect(v.code).toBe(0);
      const golden = readTree(path.join(GOLDEN, fixture, 'systemd'));
      const withoutExec = (text: string) => text.replace(/(^# .*\n)*^ExecStart=.*\n/m, '');
      for (const u of units) {
        expect(readFileSync(path.join(out, u), 'utf8')).toMatch(new RegExp(`^ExecStart=${program} `, 'm'));
        expect(withoutExec(readFileSync(path.join(out, u), 'utf8'))).toBe(withoutExec(golden[u]!));
      }
    },
  );

  it('accepts shell commands, quoting and low ports, and does fail a unit whose program is missing', async () => {
    need('systemd-analyze');
    const { program, env } = stubs();
    const project = path.join(tmp, 'odd');
    mkdirSync(project, { recursive: true });
    writeFileSync(
      path.join(project, 'devenv.json'),
      JSON.stringify({
        processes: {
          web: { command: `app -e "console.log('100%')" '$HOME' "\${GREETING}!" --port $PORT`, port: 80 },
          piped: { command: 'app 2>&1 | tee -a "log file"', env: { 'A B': 'x', MSG: 'two words "quoted" 5%' } },
        },
      }),
    );
    const out = path.join(tmp, 'systemd-odd');
    const r = await exportTo(project, 'systemd', out, ['--exec-start', `web=${program}`]);
    expect(r.code).toBe(0);
    const units = [path.join(out, 'odd-web.service'), path.join(out, 'odd-piped.service')];
    const v = await verify(units, env);
    expect(v.stdout + v.stderr).toBe('');
    expect(v.code).toBe(0);
    // The control: the same check fails once the program is gone.
    unlinkSync(program);
    const missing = await verify([units[0]!], env);
    expect(missing.stderr).toContain(`Command ${program} is not executable`);
  });
});

describe('caddy', () => {
  it.for(['hello', 'shop'] as const)('validates, adapts and formats the Caddyfile of %s as it is', async (fixture) => {
    need('caddy');
    const file = path.join(GOLDEN, fixture, 'caddy', 'Caddyfile');
    const env = toolEnv();
    const valid = await runProcess('caddy', ['validate', '--adapter', 'caddyfile', '--config', file], {
      cwd: tmp,
      env,
    });
    expect(valid.stdout + valid.stderr).toContain('Valid configuration');
    expect(valid.code).toBe(0);
    const adapted = await runProcess('caddy', ['adapt', '--adapter', 'caddyfile', '--config', file], {
      cwd: tmp,
      env,
    });
    expect(adapted.code).toBe(0);
    expect(adapted.stderr).not.toContain('not formatted');
    const routes = JSON.parse(adapted.stdout).apps.http.servers.srv0.routes as {
      match: { host: string[] }[];
      handle: { routes: { handle: { upstreams: { dial: string }[] }[] }[] }[];
    }[];
    const site = fixture === 'shop' ? 'shop.example.com' : 'localhost';
    const port = fixture === 'shop' ? 8000 : 3000;
    expect(routes.map((r) => [r.match[0]!.host, r.handle[0]!.routes[0]!.handle[0]!.upstreams])).toEqual([
      [[site], [{ dial: `localhost:${port}` }]],
    ]);
    const formatted = await runProcess('caddy', ['fmt', file], { cwd: tmp, env });
    expect(formatted.stdout).toBe(readFileSync(file, 'utf8'));
  });
});

describe('nix', () => {
  // As root without a nix daemon: no build users, and a store that is never touched.
  const nixEnv = () => toolEnv({ NIX_CONFIG: 'build-users-group =' });
  const nix = (args: string[]) =>
    runProcess('nix-instantiate', ['--store', 'dummy://', ...args], { cwd: NIX_DIR, env: nixEnv() });

  async function evaluate(module: string, name: string, set: string) {
    const r = await nix([
      '--eval',
      '--strict',
      '--json',
      'eval.nix',
      '--arg',
      'module',
      module,
      '--argstr',
      'name',
      name,
      '--arg',
      'set',
      set,
    ]);
    if (r.code !== 0) throw new Error(`nix-instantiate --eval failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  it.for(['hello', 'shop'] as const)('parses the module of %s', async (fixture) => {
    need('nix-instantiate');
    const r = await nix(['--parse', path.join(GOLDEN, fixture, 'nixos', `${fixture}.nix`)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('evaluates the options and, enabled, the config of the richer module', async () => {
    need('nix-instantiate');
    const module = path.join(GOLDEN, 'shop', 'nixos', 'shop.nix');
    const off = await evaluate(module, 'shop', '{ }');
    expect(off.config).toBeNull();
    expect(off.options.port).toMatchObject({ type: 'port', default: 8000 });
    expect(off.options.domain.default).toBe('shop.example.com');
    expect(off.options.enable).toMatchObject({ type: 'bool', default: false });

    const on = await evaluate(
      module,
      'shop',
      '{ enable = true; package = { outPath = "/nix/store/app"; }; port = 9000; }',
    );
    const { services, systemd } = on.config;
    expect(services.postgresql).toEqual({
      enable: true,
      package: '/nix/store/stub-postgresql-15',
      ensureDatabases: ['shop', 'shop_jobs'],
      ensureUsers: [{ name: 'shop_app' }],
    });
    // The role is not named like the database: ownership and extensions come from postgresql-setup.
    expect(systemd.services['postgresql-setup'].script).toContain(
      `psql -v ON_ERROR_STOP=1 -c 'ALTER DATABASE "shop_jobs" OWNER TO "shop_app"'\n`,
    );
    expect(systemd.services['postgresql-setup'].script).toContain(
      `psql -v ON_ERROR_STOP=1 -d 'dbname=shop' -c 'CREATE EXTENSION IF NOT EXISTS "citext"'\n`,
    );
    const web = systemd.services['shop-web'];
    const envFile = readFileSync(path.join(GOLDEN, 'shop', 'systemd', 'shop.env'), 'utf8');
    // The unit nixpkgs writes has % doubled (systemd's specifiers); the environment file takes it as it is.
    expect(envFile).toContain(`\nDATABASE_URL=${web.environment.DATABASE_URL.replaceAll('%%', '%')}\n`);
    expect(web.environment).toMatchObject({ PORT: '9000', NODE_ENV: 'production', PGUSER: 'shop_app' });
    expect(web.script).toBe('exec node server.js --port $PORT');
    expect(web.requires).toEqual(['postgresql.target']);
    expect(web.serviceConfig).toMatchObject({
      DynamicUser: true,
      User: 'shop_app',
      StateDirectory: 'shop',
      WorkingDirectory: '/nix/store/app',
      Restart: 'on-failure',
      CapabilityBoundingSet: '',
    });
    expect(systemd.services['shop-worker'].serviceConfig).toMatchObject({
      WorkingDirectory: '/nix/store/app/worker',
      Restart: 'always',
      TimeoutStopSec: '10s',
    });
    expect(services.caddy).toEqual({
      enable: true,
      virtualHosts: { 'shop.example.com': { extraConfig: 'reverse_proxy localhost:9000' } },
    });
  });

  it('a module without ports: no port or domain options, no Caddy; setup only creates the extension', async () => {
    need('nix-instantiate');
    const project = path.join(tmp, 'jobs');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'devenv.json'), '{"postgres":{"database":"jobs","extensions":["uuid-ossp"]}}');
    writeFileSync(path.join(project, 'Procfile'), 'worker: python3 worker.py --queue "${QUEUE}"\n');
    const out = path.join(tmp, 'nixos-jobs');
    expect((await exportTo(project, 'nixos', out)).code).toBe(0);
    const module = path.join(out, 'jobs.nix');
    expect((await nix(['--parse', module])).code).toBe(0);
    const on = await evaluate(module, 'jobs', '{ enable = true; package = { outPath = "/nix/store/jobs"; }; }');
    expect(Object.keys(on.options).sort()).toEqual(['enable', 'environment', 'environmentFile', 'package', 'path']);
    expect(on.options.path.default).toEqual(['/nix/store/stub-python3']);
    expect(on.config.services).toEqual({
      postgresql: {
        enable: true,
        ensureDatabases: ['jobs'],
        ensureUsers: [{ name: 'jobs', ensureDBOwnership: true }],
      },
    });
    expect(on.config.systemd.services['postgresql-setup'].script).toBe(
      `psql -v ON_ERROR_STOP=1 -d 'dbname=jobs' -c 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"'\n`,
    );
    const worker = on.config.systemd.services['jobs-worker'];
    expect(worker.script).toBe('exec python3 worker.py --queue "${QUEUE}"');
    expect(worker.environment.PORT).toBeUndefined();
  });

  it('hello module: ensureDBOwnership, no setup script, no Caddy without a domain, bad values fail', async () => {
    need('nix-instantiate');
    const module = path.join(GOLDEN, 'hello', 'nixos', 'hello.nix');
    const on = await evaluate(module, 'hello', '{ enable = true; package = { outPath = "/nix/store/hello"; }; }');
    expect(on.config.services.postgresql.ensureUsers).toEqual([{ name: 'hello', ensureDBOwnership: true }]);
    expect(on.config.systemd.services['postgresql-setup']).toBeUndefined();
    expect(on.config.services.caddy).toBeNull();
    expect(on.config.systemd.services['hello-web'].environment.PORT).toBe('3000');
    const withDomain = await evaluate(
      module,
      'hello',
      '{ enable = true; package = { outPath = "/x"; }; domain = "hello.example.org"; }',
    );
    expect(withDomain.config.services.caddy.virtualHosts).toEqual({
      'hello.example.org': { extraConfig: 'reverse_proxy localhost:3000' },
    });
    await expect(evaluate(module, 'hello', '{ port = 70000; }')).rejects.toThrow(
      'services.hello.port: 70000 is not a port',
    );
    await expect(evaluate(module, 'hello', '{ prot = 1; }')).rejects.toThrow('services.hello.prot is not an option');
  });
});
