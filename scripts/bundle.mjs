// The published code: dist/bundle/, built from tsc's output in dist/ (npm run build runs tsc, then this).
//   main.cjs   what bin/devenv runs: compiles cli.cjs with its V8 code cache (src/loader.ts)
//   cli.cjs    the whole CLI, one CommonJS file: the code cache needs a script (Node 20 has none for ES
//              modules), and each command's modules, imported dynamically, still run only for that command
//   worker.js  the snapshot file worker, a program of its own (src/snapshot/worker.ts)
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// dotenv requires node:crypto at its top, for encrypted .env files, which we never read: loading it costs
// ~3.5 ms of every start that reads a .env. Inside dotenv, crypto is a stand-in that loads it on first use.
const dotenvDir = `${path.sep}node_modules${path.sep}dotenv${path.sep}`;
const lazyCryptoForDotenv = {
  name: 'lazy-crypto-for-dotenv',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, (args) =>
      args.importer.includes(dotenvDir) ? { path: 'crypto', namespace: 'lazy-crypto' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-crypto' }, () => ({
      contents: "let c; module.exports = new Proxy({}, { get: (_, key) => (c ??= require('node:crypto'))[key] });",
      loader: 'js',
    }));
  },
};

rmSync('dist/bundle', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
// import.meta.url, as the modules use it to find files beside them, from the CommonJS file's own path.
const commonJs = {
  ...common,
  format: 'cjs',
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};
// Without comments and indentation the CLI is ~30 % smaller and all ASCII: V8 keeps it as a one-byte
// string, and every start reads, decodes and hands over less of it (~5 ms of `devenv up` here).
await build({
  ...commonJs,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/bundle/cli.cjs',
  minifyWhitespace: true,
  plugins: [lazyCryptoForDotenv],
});
const wide = readFileSync('dist/bundle/cli.cjs').findIndex((byte) => byte > 0x7f);
if (wide !== -1)
  throw new Error(`dist/bundle/cli.cjs: a non-ASCII byte at ${wide} (esbuild's charset should escape it)`);
await build({ ...commonJs, entryPoints: ['dist/loader.js'], outfile: 'dist/bundle/main.cjs' });
await build({
  ...common,
  format: 'esm',
  entryPoints: ['dist/snapshot/worker.js'],
  outfile: 'dist/bundle/worker.js',
  banner: {
    js: "import { createRequire as __esmRequire } from 'node:module'; const require = __esmRequire(import.meta.url);",
  },
});
