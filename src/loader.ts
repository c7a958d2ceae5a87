// What bin/devenv runs: the CLI bundle beside this file (cli.cjs), compiled with its V8 code cache, kept
// per command in the user's cache (~/.cache/devenv/code: devenv's own code, so not under PGRES_CACHE_DIR,
// which holds clusters and servers). PGRES_NO_CODE_CACHE=1 compiles from source every time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { userDirs } from './platform/os-facts.js';
import { compileCommonJs } from './util/code-cache.js';
import { trace } from './util/trace.js';

const CLI = fileURLToPath(new URL('./cli.cjs', import.meta.url));
/** The cache after this long even if the command still runs (a foreground `up`): its start is compiled. */
const SAVE_AFTER_MS = 1000;

const command = process.argv[2] ?? '';
// Internal commands (`__delete`, `__refill`) run in the background after the command that started them
// returned: no one waits for them, and they must not write into the user's cache behind their back.
const cached = process.env.PGRES_NO_CODE_CACHE !== '1' && !command.startsWith('__');
const dir = cached ? path.join(userDirs(process.env).cache, 'devenv', 'code') : null;
const cli = compileCommonJs(CLI, dir, command);
trace(`cli compiled (code cache: ${cli.use})`);
cli.run();
if (cli.use === 'none' || cli.use === 'rejected') {
  process.once('exit', cli.save);
  setTimeout(cli.save, SAVE_AFTER_MS).unref();
}
