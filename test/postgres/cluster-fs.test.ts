// ClusterFs.writeAll: the finishing writes of a new cluster (the postgresql.conf note, then the marker) in
// one step. As root that step is one shell with the account's uid, so it must keep what a write by the
// account guarantees: the file's final mode from the start, a new directory private, and a link the
// account planted replaced rather than followed.
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { clusterFs } from '../../src/postgres/cluster-fs.js';
import { resolveAccount } from '../../src/postgres/privileges.js';
import { IS_ROOT, tempDir } from '../helpers/project.js';

const dirs: string[] = [];
afterEach(async () => {
  const { rmSync } = await import('node:fs');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A cluster-like dir owned by whoever writes into it (the account as root), with a conf to append to. */
function clusterDir(owner: { uid: number; gid: number } | null): string {
  const dir = tempDir('cluster-fs');
  dirs.push(dir);
  writeFileSync(path.join(dir, 'postgresql.conf'), 'port = 5432\n');
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(path.join(dir, 'postgresql.conf'), owner.uid, owner.gid);
  }
  return dir;
}

const mode = (file: string) => lstatSync(file).mode & 0o777;

for (const who of ['ourselves', 'the account'] as const) {
  describe(`writeAll as ${who}`, () => {
    const account = who === 'the account' ? resolveAccount() : null;
    const skip = who === 'the account' && !IS_ROOT;

    test.skipIf(skip)('appends and writes in order, each file with its mode', () => {
      const dir = clusterDir(account);
      const fs = clusterFs(account);
      const marker = path.join(dir, 'devenv', 'cluster.json');
      const secret = path.join(dir, 'devenv', 'secret');
      fs.writeAll([
        { file: path.join(dir, 'postgresql.conf'), text: "\n# a note\nlisten_addresses = ''\n", append: true },
        { file: marker, text: '{"format": 1}\n' },
        { file: secret, text: "it's $HOME; `id` \\n\n", mode: 0o600 },
      ]);
      expect(readFileSync(path.join(dir, 'postgresql.conf'), 'utf8')).toBe(
        "port = 5432\n\n# a note\nlisten_addresses = ''\n",
      );
      // Shell characters in a text are data, never expanded or run.
      expect(readFileSync(secret, 'utf8')).toBe("it's $HOME; `id` \\n\n");
      expect(readFileSync(marker, 'utf8')).toBe('{"format": 1}\n');
      expect(mode(marker)).toBe(0o644);
      expect(mode(secret)).toBe(0o600);
      if (account) {
        // As the account, as its write always did: a directory it makes is private, the files its own.
        expect(mode(path.join(dir, 'devenv'))).toBe(0o700);
        expect(lstatSync(marker).uid).toBe(account.uid);
      }
      expect(readdirSync(path.join(dir, 'devenv')).sort()).toEqual(['cluster.json', 'secret']);
    });
  });
}

test.skipIf(!IS_ROOT)('as root, a link the account planted at the target is replaced, not followed', () => {
  const account = resolveAccount()!;
  const dir = clusterDir(account);
  const outside = tempDir('cluster-fs-outside');
  dirs.push(outside);
  const victim = path.join(outside, 'victim');
  writeFileSync(victim, 'untouched\n');
  chmodSync(victim, 0o666);
  mkdirSync(path.join(dir, 'devenv'));
  chownSync(path.join(dir, 'devenv'), account.uid, account.gid);
  symlinkSync(victim, path.join(dir, 'devenv', 'cluster.json'));
  clusterFs(account).writeAll([{ file: path.join(dir, 'devenv', 'cluster.json'), text: 'ours\n' }]);
  expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
  expect(lstatSync(path.join(dir, 'devenv', 'cluster.json')).isFile()).toBe(true);
});

test.skipIf(!IS_ROOT)('as root, a write the account cannot do fails with the file named, and leaves nothing', () => {
  const account = resolveAccount()!;
  // Root's dir, not writable by the account.
  const dir = clusterDir(null);
  chmodSync(dir, 0o755);
  const target = path.join(dir, 'cluster.json');
  expect(() => clusterFs(account).writeAll([{ file: target, text: 'x\n' }])).toThrow(
    new RegExp(`writing ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as the account that runs postgres failed`),
  );
  expect(readdirSync(dir)).toEqual(['postgresql.conf']);
});
