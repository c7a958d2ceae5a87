// Both platform implementations on the same paths: the filesystem holding them and its space, flushing a
// tree, and (as root) handing a tree to the `nobody` account, with and without `from`.

// Both platform implementations on the same paths: the filesystem holding them and its space, flushing a
// tree, and (as root) handing a tree to the `nobody` account, with and without `from`.
import fs, {
  closeSync,
  constants,
  promises as fsp,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, expect, test, vi } from 'vitest';
import { chownOwnedBy } from '../../src/platform/chown-owned.js';
import { linuxPlatform } from '../../src/platform/linux.js';
import type { Platform } from '../../src/platform/platform.js';
import { portablePlatform } from '../../src/platform/portable.js';
import { tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

const both: Platform[] = [linuxPlatform, portablePlatform];
const dir = tempDir('platform-files');
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
  vi.restoreAllMocks();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the filesystem of a path, of one not made yet, and of a link to another filesystem is the same in both', () => {
  need('df');
  mkdirSync(path.join(dir, 'fs'));
  symlinkSync('/dev/shm', path.join(dir, 'fs', 'to-shm'));
  for (const target of [dir, path.join(dir, 'fs', 'not', 'made', 'yet'), path.join(dir, 'fs', 'to-shm'), '/']) {
    const [linux, portable] = both.map((p) => p.filesystem(target));
    expect(linux!.total).toBeGreaterThan(0);
    expect(portable!.mount).toBe(linux!.mount);
    expect(portable!.total).toBe(linux!.total);
    // Others write to the disk meanwhile: the free space agrees to within what they could write in between.
    expect(Math.abs(portable!.free - linux!.free)).toBeLessThan(256 << 20);
  }
  expect(linuxPlatform.filesystem(path.join(dir, 'fs', 'to-shm'))!.mount).toBe('/dev/shm');
});

const realOpen = fsp.open;
/** Every path the flush opened and fsynced (FileHandle.sync, observed and passed through). */
async function fsynced(flush: () => Promise<void>): Promise<string[]> {
  const synced: string[] = [];
  vi.restoreAllMocks();
  vi.spyOn(fsp, 'open').mockImplementation(async (file, flags) => {
    const fh = await realOpen(file, flags);
    const sync = fh.sync.bind(fh);
    fh.sync = async () => {
      synced.push(String(file));
      return sync();
    };
    return fh;
  });
  await flush();
  return synced.sort();
}

function smallTree(name: string): { root: string; all: string[] } {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'base', '1'), { recursive: true });
  writeFileSync(path.join(root, 'PG_VERSION'), '17\n');
  writeFileSync(path.join(root, 'base', '1', '1259'), 'x');
  symlinkSync('PG_VERSION', path.join(root, 'link'));
  const all = [root, path.join(root, 'PG_VERSION'), path.join(root, 'base'), path.join(root, 'base', '1')];
  return { root, all: [...all, path.join(root, 'base', '1', '1259')].sort() };
}

test('the portable flush fsyncs every directory and file of the tree; Linux syncs its filesystem at once', async () => {
  const { root, all } = smallTree('flush');
  expect(await fsynced(() => portablePlatform.flushTree(root))).toEqual(all);
  // `sync -f` is one syncfs(2): no file is opened.
  const bin = path.join(dir, 'bin-sync');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'sync'), `#!/bin/sh\necho "$@" > ${dir}/sync-args\nexec /bin/sync "$@"\n`, {
    mode: 0o755,
  });
  process.env.PATH = `${bin}:${PATH}`;
  expect(await fsynced(() => linuxPlatform.flushTree(root))).toEqual([]);
  expect(readdirSync(dir)).toContain('sync-args');
});

test('Linux flushes file by file where `sync -f` fails or is missing', async () => {
  const { root, all } = smallTree('flush-fallback');
  const bin = path.join(dir, 'bin-nosync');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'sync'), '#!/bin/sh\necho "sync: invalid option -- f" >&2\nexit 1\n', { mode: 0o755 });
  process.env.PATH = bin;
  expect(await fsynced(() => linuxPlatform.flushTree(root))).toEqual(all);
  process.env.PATH = path.join(dir, 'nothing-here');
  expect(await fsynced(() => linuxPlatform.flushTree(root))).toEqual(all);
});

/** uid of each entry of the tree, by its path relative to the tree. */
function owners(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (rel: string) => {
    const st = lstatSync(path.join(root, rel));
    out[rel || '.'] = st.uid;
    if (st.isDirectory()) for (const n of readdirSync(path.join(root, rel))) walk(path.join(rel, n));
  };
  walk('');
  return out;
}

const NOBODY = { uid: 65534, gid: 65534 };
/** Another user's uid (no account needed): the previous owner of a tree handed over with `from`. */
const OTHER = 4242;

function withDir<T>(d: string, fn: (fd: number) => T): T {
  const fd = openSync(d, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A tree `owner` owns, with a link in it to a file of root's outside it (`victims[0]`), and, root's in it, a
 * file, a link and a hard link to another file of root's outside (`victims[1]`).
 */
function treeToHand(name: string, owner: number): { root: string; victims: string[] } {
  const { root } = smallTree(name);
  const victim = path.join(dir, `${name}-victim`);
  writeFileSync(victim, 'root only\n');
  rmSync(path.join(root, 'link'));
  symlinkSync(victim, path.join(root, 'link'));
  const hardVictim = path.join(dir, `${name}-hard-victim`);
  writeFileSync(hardVictim, 'root only\n');
  linkSync(hardVictim, path.join(root, 'base', 'hard'));
  writeFileSync(path.join(root, 'roots'), 'root made this\n');
  symlinkSync('roots', path.join(root, 'roots-link'));
  if (owner !== 0) {
    for (const [rel] of Object.entries(owners(root))) {
      if (!rel.startsWith('roots') && rel !== path.join('base', 'hard')) lchownSync(path.join(root, rel), owner, owner);
    }
  }
  return { root, victims: [victim, hardVictim] };
}

test('as root, a tree made by root is handed to nobody alike by both, links and all, nothing outside', () => {
  need('root');
  const results = both.map((p) => {
    const { root, victims } = treeToHand(`hand-${p.name}`, 0);
    rmSync(path.join(root, 'base', 'hard')); // root's own tree: hard links are its own business
    expect(withDir(root, (fd) => p.chownTree(root, fd, NOBODY, null))).toBeNull();
    expect(victims.map((v) => lstatSync(v).uid)).toEqual([0, 0]);
    return owners(root);
  });
  expect(Object.values(results[0]!).every((uid) => uid === NOBODY.uid)).toBe(true);
  expect(results[1]).toEqual(results[0]);
});

test("as root, `from` hands over only the previous owner's directories and files, alike in both", () => {
  need('root');
  const results = both.map((p) => {
    const { root, victims } = treeToHand(`from-${p.name}`, OTHER);
    expect(withDir(root, (fd) => p.chownTree(root, fd, NOBODY, OTHER))).toBeNull();
    // Neither a file of root's in the tree nor one hard-linked into it changes hands; nor does a link's target.
    expect(victims.map((v) => lstatSync(v).uid)).toEqual([0, 0]);
    const got = owners(root);
    expect([got.roots, got['roots-link'], got[path.join('base', 'hard')]]).toEqual([0, 0, 0]);
    return got;
  });
  expect(results[1]).toEqual(results[0]);
  expect([results[0]!['.'], results[0]!.link]).toEqual([NOBODY.uid, NOBODY.uid]); // a link's own owner too
});

test('a tree that cannot be handed over is one line saying why, in both', () => {
  need('root');
  const gone = path.join(dir, 'gone');
  mkdirSync(gone);
  withDir(gone, (fd) => {
    rmSync(gone, { recursive: true });
    // chown through the descriptor of a removed directory, or by its path: nothing to change.
    expect(portablePlatform.chownTree(gone, fd, NOBODY, null)).toMatch(/No such file/);
    expect(chownOwnedBy(gone, fd, NOBODY, OTHER)).toMatch(/ENOENT/);
  });
  // chown's own refusal (an owner it cannot parse) is its message.
  const nonsense = { uid: Number.NaN, gid: Number.NaN };
  for (const p of both) expect(withDir(dir, (fd) => p.chownTree(dir, fd, nonsense, null))).toMatch(/invalid user/);
  process.env.PATH = path.join(dir, 'nothing-here');
  for (const p of both) expect(withDir(dir, (fd) => p.chownTree(dir, fd, NOBODY, null))).toMatch(/ENOENT/);
  expect(lstatSync(dir).uid).toBe(0);
});

/**
 * Swap `entry` for what `swap` makes just before the walk opens it: the race a previous owner could run
 * against the portable `from` walk, made to happen every time (openSync is observed and passed through).
 */
function swapBeforeOpen(entry: string, swap: () => void): void {
  const realOpenSync = fs.openSync;
  vi.spyOn(fs, 'openSync').mockImplementation((file, ...rest) => {
    if (file === entry) swap();
    return realOpenSync(file, ...rest);
  });
  syncBuiltinESMExports(); // the module under test imported openSync by name
}

test("as root, an entry swapped for a link or for a hard link to a file of root's mid-walk is left alone", () => {
  need('root');
  for (const kind of ['symlink', 'hard link'] as const) {
    const root = path.join(dir, `race-${kind.replace(' ', '-')}`);
    mkdirSync(root);
    const victim = path.join(dir, `race-${kind.replace(' ', '-')}-victim`);
    writeFileSync(victim, 'root only\n');
    const entry = path.join(root, 'data');
    writeFileSync(entry, 'theirs\n');
    lchownSync(entry, OTHER, OTHER);
    lchownSync(root, OTHER, OTHER);
    swapBeforeOpen(entry, () => {
      rmSync(entry);
      if (kind === 'symlink') symlinkSync(victim, entry);
      else linkSync(victim, entry);
    });
    try {
      expect(withDir(root, (fd) => chownOwnedBy(root, fd, NOBODY, OTHER))).toBeNull();
    } finally {
      vi.restoreAllMocks();
      syncBuiltinESMExports();
    }
    expect(lstatSync(victim).uid).toBe(0);
    expect(lstatSync(root).uid).toBe(NOBODY.uid); // the rest of the tree was handed over
  }
});
