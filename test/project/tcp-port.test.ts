import path from 'node:path';
import { expect, test } from 'vitest';
import { databaseUrl, tcpDatabaseUrl } from '../../src/project/environment.js';
import { MAX_SOCKET_PATH, socketDirFor, socketFile } from '../../src/project/paths.js';
import { preferredTcpPort } from '../../src/project/tcp.js';

test('the socket path check counts the port in the socket file name (.s.PGSQL.<port>)', () => {
  // A project path whose socket fits with 5432 and is one byte too long with a five-digit port.
  const pgdataLength = MAX_SOCKET_PATH - 1 - socketFile(5432).length;
  const root = `/tmp/${'p'.repeat(pgdataLength - '/tmp/'.length - '/.pgres'.length)}`;
  const pgdata = path.join(root, '.pgres');
  expect(Buffer.byteLength(path.join(pgdata, socketFile(5432)))).toBe(MAX_SOCKET_PATH);
  expect(socketDirFor(root, pgdata, {}, false, 5432)).toEqual({ dir: pgdata, short: false });
  const moved = socketDirFor(root, pgdata, {}, false, 20001);
  expect(moved.short).toBe(true);
  expect(Buffer.byteLength(path.join(moved.dir, socketFile(20001)))).toBeLessThanOrEqual(MAX_SOCKET_PATH);
});

test('a picked port starts from one derived from the project path, below the ephemeral range', () => {
  const a = preferredTcpPort('/srv/a');
  expect(preferredTcpPort('/srv/a')).toBe(a);
  for (const root of ['/srv/a', '/srv/b', '/home/u/projects/shop']) {
    const p = preferredTcpPort(root);
    expect(p).toBeGreaterThanOrEqual(20000);
    expect(p).toBeLessThan(30000);
  }
});

test('URLs: the socket URL names a non-default port; the TCP URL carries the password only when given', () => {
  expect(databaseUrl('app', 'shop', '/p/.pgres')).toBe('postgresql://app@/shop?host=%2Fp%2F.pgres');
  expect(databaseUrl('app', 'shop', '/p/.pgres', 20001)).toBe('postgresql://app@/shop?host=%2Fp%2F.pgres&port=20001');
  expect(tcpDatabaseUrl('app', 'shop', 20001)).toBe('postgresql://app@127.0.0.1:20001/shop');
  expect(tcpDatabaseUrl('a b', 'shop', 20001, 'p@ss/w')).toBe('postgresql://a%20b:p%40ss%2Fw@127.0.0.1:20001/shop');
});
