// Which route an upgrade takes, by what is installed: this machine's PostgreSQL 15 client tools.
import { expect, test } from 'vitest';
import { findBinaries } from '../../src/postgres/binaries.js';
import { chooseRoute } from '../../src/upgrade/route.js';
import { need } from '../helpers/tools.js';

const SYSTEM_15 = '/usr/lib/postgresql/15/bin';

test('15 → 17 here: no pg_upgrade of 17, so pg_dumpall of 15 with the psql beside it', () => {
  need('system-postgres');
  const from = findBinaries({ configured: SYSTEM_15 });
  const route = chooseRoute(from, 17);
  expect(route).toMatchObject({ kind: 'dump', dumpall: { major: 15, file: `${SYSTEM_15}/pg_dumpall` } });
  expect(route.kind === 'dump' && route.psql).toBe(`${SYSTEM_15}/psql`);
  // 15 → 15: pg_upgrade of the target is installed, with the old major's full server programs.
  expect(chooseRoute(from, 15)).toMatchObject({ kind: 'pg_upgrade', oldBindir: SYSTEM_15, newBinaries: { major: 15 } });
});

test('neither a pg_upgrade of the target nor a pg_dumpall new enough: one line naming what to install', () => {
  const from = { bindir: '/nonexistent', major: 40, version: '40.1', source: 'fetched' };
  expect(() => chooseRoute(from, 41, { PATH: '' })).toThrow(
    "cannot move a PostgreSQL 40 cluster to 41 here: that needs PostgreSQL 41's pg_upgrade or a pg_dumpall of " +
      "PostgreSQL 40 or newer, and neither is installed; install PostgreSQL's client tools (apt-get install " +
      'postgresql-client, brew install libpq) and run again',
  );
});
