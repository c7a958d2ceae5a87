// What differs between Linux and macOS without a process to look at: the OS's own facts (socket path
// limit, the user's directories), which implementation is chosen, and the tools' output as macOS's
// BSD versions write it (samples in the forms their manuals define) next to the Linux versions'.
import { homedir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { mountOf } from '../../src/platform/linux.js';
import { socketPathMax, systemCacheDir, userDirs } from '../../src/platform/os-facts.js';
import { choosePlatform, platform } from '../../src/platform/platform.js';
import { portablePlatform } from '../../src/platform/portable.js';
import {
  decodeLsofName,
  parseDf,
  parseFactsLine,
  parseLsofNames,
  parseLstart,
  parsePidLines,
} from '../../src/platform/tool-output.js';

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

test('the socket path limit is 107 bytes on Linux, 103 on macOS and the BSDs', () => {
  expect(socketPathMax('linux')).toBe(107);
  expect(socketPathMax('darwin')).toBe(103);
  expect(socketPathMax('freebsd')).toBe(103);
  expect(socketPathMax()).toBe(107); // this machine
});

test("a user's directories: XDG's where set (absolute), else the OS's own places", () => {
  const home = '/Users/ann';
  expect(userDirs({}, 'darwin', home)).toEqual({
    cache: '/Users/ann/Library/Caches',
    data: '/Users/ann/Library/Application Support',
    state: '/Users/ann/Library/Application Support',
    runtime: null,
  });
  expect(userDirs({}, 'linux', '/home/ann')).toEqual({
    cache: '/home/ann/.cache',
    data: '/home/ann/.local/share',
    state: '/home/ann/.local/state',
    runtime: null,
  });
  const xdg = { XDG_CACHE_HOME: '/c', XDG_DATA_HOME: '/d', XDG_STATE_HOME: '/s', XDG_RUNTIME_DIR: '/run/user/1' };
  for (const os of ['darwin', 'linux']) {
    expect(userDirs(xdg, os, home)).toEqual({ cache: '/c', data: '/d', state: '/s', runtime: '/run/user/1' });
  }
  // Relative values are ignored, as the XDG spec asks.
  expect(userDirs({ XDG_CACHE_HOME: 'c', XDG_RUNTIME_DIR: 'run' }, 'darwin', home)).toMatchObject({
    cache: '/Users/ann/Library/Caches',
    runtime: null,
  });
  expect(userDirs({ HOME: '/h' }, 'linux').cache).toBe('/h/.cache');
  expect(userDirs({}, 'linux').cache).toBe(path.join(homedir(), '.cache')); // no HOME: the account's home
  expect(systemCacheDir('linux')).toBe('/var/cache');
  expect(systemCacheDir('darwin')).toBe('/Library/Caches');
});

test('Linux uses /proc unless PGRES_PLATFORM=portable; every other OS the portable implementation', () => {
  expect(platform().name).toBe(process.env.PGRES_PLATFORM === 'portable' ? 'portable' : 'linux');
  expect(platform()).toBe(platform()); // chosen once
  expect(choosePlatform({}, 'linux').name).toBe('linux');
  expect(choosePlatform({ PGRES_PLATFORM: 'linux' }, 'linux').name).toBe('linux');
  expect(choosePlatform({ PGRES_PLATFORM: 'portable' }, 'linux').name).toBe('portable');
  expect(choosePlatform({}, 'darwin').name).toBe('portable');
  expect(() => choosePlatform({ PGRES_PLATFORM: 'linux' }, 'darwin')).toThrow(
    new UserError('PGRES_PLATFORM=linux cannot be used here; set it to "portable" or unset it'),
  );
  expect(() => choosePlatform({ PGRES_PLATFORM: 'bsd' }, 'linux')).toThrow(/set it to "portable" or "linux"/);
});

test('the portable implementation without ps, lsof or df says which tool to install', () => {
  process.env.PATH = path.join('/nonexistent', 'bin');
  expect(() => portablePlatform.process(process.pid)).toThrow(/devenv needs `ps` .*; install it/);
  expect(() => portablePlatform.cwd(process.pid)).toThrow(/devenv needs `lsof`/);
  expect(() => portablePlatform.filesystem('/')).toThrow(/devenv needs `df`/);
});

test("ps's lstart reads the same from BSD ps (strftime %c) and procps (ctime), in the C locale and UTC", () => {
  expect(parseLstart('Thu Dec  3 11:20:47 2026')).toBe(Date.UTC(2026, 11, 3, 11, 20, 47) / 1000);
  expect(parseLstart('Mon Jan 12 00:00:00 2026 ')).toBe(Date.UTC(2026, 0, 12) / 1000);
  expect(parseLstart('Thu Dez  3 11:20:47 2026')).toBeNull(); // another locale's month
  expect(parseLstart('11:20')).toBeNull();
  // macOS's state column has flags after the run state (Ss, Z+, U<); procps' likewise (Ss, Z, R+).
  expect(parseFactsLine('  812     1   812   501 Ss   Thu Dec  3 11:20:47 2026')).toEqual({
    pid: 812,
    ppid: 1,
    pgid: 812,
    uid: 501,
    zombie: false,
    start: '2026-12-03T11:20:47Z',
  });
  expect(parseFactsLine('  813   812   812   501 Z+   Thu Dec  3 11:20:48 2026')?.zombie).toBe(true);
  expect(parseFactsLine('')).toBeNull();
  expect(parsePidLines('  812 /usr/bin/node /a b/devenv up \n 9 \n')).toEqual(
    new Map([
      [812, '/usr/bin/node /a b/devenv up'],
      [9, ''],
    ]),
  );
});

test('lsof names in the C locale: its escapes for non-printable bytes are undone', () => {
  expect(decodeLsofName('/Users/ann/Projekte/M\\xc3\\xbcller \\xe6\\x97\\xa5')).toBe('/Users/ann/Projekte/Müller 日');
  expect(decodeLsofName('/tmp/a\\tb\\nc^Ad^?e^@f')).toBe('/tmp/a\tb\nc\x01d\x7fe\x00f');
  expect(decodeLsofName('/tmp/"odd" $HOME it\'s ^lower')).toBe('/tmp/"odd" $HOME it\'s ^lower');
});

test("lsof -F n output (as lsof writes it on macOS and Linux) gives each process's names", () => {
  const text = 'p812\nfcwd\nn/Users/ann/my project\np813\nftxt\nn/usr/local/bin/postgres\nftxt\nn/usr/lib/dyld\n';
  expect(parseLsofNames(text)).toEqual(
    new Map([
      [812, ['/Users/ann/my project']],
      [813, ['/usr/local/bin/postgres', '/usr/lib/dyld']],
    ]),
  );
});

test('df -P -k: macOS names with spaces and mount points with spaces, GNU lines, and no line', () => {
  const header = 'Filesystem 1024-blocks Used Available Capacity Mounted on\n';
  expect(parseDf(`${header}map auto_home          0        0         0   100%    /System/Volumes/Data/home\n`)).toEqual(
    {
      mount: '/System/Volumes/Data/home',
      free: 0,
      total: 0,
    },
  );
  expect(parseDf(`${header}/dev/disk3s5   482797652 401829224  58458192    88%    /Volumes/My Disk\n`)).toEqual({
    mount: '/Volumes/My Disk',
    free: 58458192 * 1024,
    total: 482797652 * 1024,
  });
  expect(parseDf(`${header}tmpfs 0 0 0 - /run/x\n`)?.mount).toBe('/run/x');
  expect(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\nnot a line\n')).toBeNull();
  expect(parseDf('')).toBeNull(); // df said nothing on stdout (its complaint went to stderr)
});

test('/proc/mounts: the longest mount point holding a path, with escaped spaces in mount points', () => {
  const mounts = ['/dev/vda / ext4 rw 0 0', 'tmpfs /tmp/my\\040disk tmpfs rw 0 0', 'tmpfs /tmp/my tmpfs rw 0 0', ''];
  const text = mounts.join('\n');
  expect(mountOf('/tmp/my disk/x', text)).toBe('/tmp/my disk');
  expect(mountOf('/tmp/my', text)).toBe('/tmp/my');
  expect(mountOf('/tmp/myx', text)).toBe('/');
});
