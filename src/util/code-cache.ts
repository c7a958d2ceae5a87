// Runs a CommonJS file with a V8 code cache: V8 keeps the bytecode it compiled in one run, and the next
// run starts from it instead of parsing and compiling again (for the CLI bundle: ~15–25 ms of every
// start). Node 20 has no compile cache of its own (module.enableCompileCache is Node 22), and none for
// ES modules at all, hence a CommonJS bundle compiled here through vm.Script's cachedData.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** What became of the cache in this run: taken, refused by V8 (another node, damaged), absent, or not kept. */
export type CacheUse = 'used' | 'rejected' | 'none' | 'off';

export interface CompiledModule {
  use: CacheUse;
  /** Run the module (once). */
  run(): void;
  /** Write the bytecode compiled so far as the cache, when V8 took none (once; errors are ignored). */
  save(): void;
}

/** Which build of the file, on which V8: a rebuilt or reinstalled file has another inode, size or time. */
function buildKey(stat: Stats): string {
  return `${stat.ino}-${stat.size}-${Math.round(stat.mtimeMs)}`;
}

/** One cache per build, V8 and name (a command: each keeps the functions its own runs compiled). */
export function cacheFileName(name: string, stat: Stats): string {
  const safe = /^[a-z_][a-z0-9_-]{0,31}$/.test(name) ? name : 'other';
  return `${safe}.${process.versions.v8}-${process.arch}.${buildKey(stat)}.bin`;
}

/** Each installed copy (a global one, a project's devDependency) its own directory: FNV-1a of its path. */
export function installDirName(file: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const ours = (st: Stats) => typeof process.getuid === 'function' && st.uid === process.getuid();
/** Bytecode is code: only a file of ours that no one else can write is ever read. */
const private_ = (st: Stats) => ours(st) && (st.mode & 0o022) === 0;

/** The cache directory, made when missing (mode 0700); null when it is not ours alone. */
function privateDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && private_(st) ? dir : null;
  } catch {
    return null;
  }
}

function readCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && private_(st) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A temporary file renamed into place: a reader sees a whole cache or none. Caches of older builds go. */
function writeCache(dir: string, file: string, data: Buffer, key: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
    return;
  }
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.bin') && !name.includes(`.${key}.`)) rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Compile `file` as a CommonJS module (its require resolves from where it lies), with the code cache
 * `name` kept under `dir` (null: no cache). V8 checks a cache against its own version and flags and the source's
 * length; the cache's name carries the build too, so a rebuilt file never meets an old cache. Saved after
 * the run, the cache holds the functions the run compiled, not only the top level.
 */
export function compileCommonJs(file: string, dir: string | null, name: string): CompiledModule {
  const source = readFileSync(file, 'utf8');
  const stat = statSync(file);
  const where = dir === null ? null : privateDir(path.join(dir, installDirName(file)));
  const cacheFile = where && path.join(where, cacheFileName(name, stat));
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const use: CacheUse = !cacheFile ? 'off' : !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  let saved = use === 'used' || use === 'off';
  const save = () => {
    if (saved) return;
    saved = true;
    try {
      writeCache(where!, cacheFile!, script.createCachedData(), buildKey(stat));
    } catch {
      // a full disk, a directory gone: the next run compiles again
    }
  };
  const run = () => {
    const module = new Module(file);
    module.filename = file;
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  };
  return { use, run, save };
}
