// What some tests need that a machine may lack: a tool (zsh, tmux, caddy, psql, ...), python3 with
// psycopg2, root, the right to mount a tmpfs. One rule for all of them: where one is missing the test is
// skipped with the reason (the summary lists it), and under CI (CI=1, as .ci/run sets) it fails instead,
// as .ci/run installs everything: a machine that lacks zsh never passes CI by quietly testing less.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { beforeEach, TestRunner } from 'vitest';
import { findPsql } from '../../src/postgres/psql-client.js';
import { tmpfsUnavailable } from './small-disk.js';

export const IN_CI = Boolean(process.env.CI) && !['0', 'false'].includes(process.env.CI ?? '');

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Debian packages of the tools looked up on PATH, for the reason line (the tool's own name otherwise). */
const PACKAGE: Record<string, string> = {
  ss: 'iproute2',
  'systemd-analyze': 'systemd',
  'nix-instantiate': 'nix-bin',
};

/** Requirements that are not one command on PATH: each says why it is not met, or null. */
const PROBES: Record<string, () => string | null> = {
  root: () => (process.getuid?.() === 0 ? null : 'needs root (CI runs as root)'),
  psycopg2: () => (pythonWithPsycopg2() ? null : 'no python3 with psycopg2 (apt-get install python3-psycopg2)'),
  // Where `devenv psql` looks (beside the server, PATH, the system's PostgreSQL dirs).
  psql: () => (findPsql(null) ? null : 'psql not installed (apt-get install postgresql-client)'),
  'system-postgres': () =>
    systemServer() ? null : 'no system PostgreSQL in /usr/lib/postgresql (apt-get install postgresql)',
  tmpfs: tmpfsUnavailable,
};

/**
 * The python3 that has psycopg2: Debian's (/usr/bin/python3, package python3-psycopg2), which may not be
 * the first python3 on PATH (pyenv); null when there is none.
 */
export function pythonWithPsycopg2(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import psycopg2'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

function systemServer(): boolean {
  const base = '/usr/lib/postgresql';
  return existsSync(base) && readdirSync(base).some((v) => existsSync(`${base}/${v}/bin/initdb`));
}

/**
 * Why one requirement is unmet, or null: a PROBES name, `account:NAME` (a system account), or else a
 * command on PATH. Asked once per worker.
 */
const known = new Map<string, string | null>();
function reasonFor(need: string): string | null {
  if (!known.has(need)) known.set(need, probe(need));
  return known.get(need)!;
}

function probe(need: string): string | null {
  const special = PROBES[need];
  if (special) return special();
  if (need.startsWith('account:')) {
    const name = need.slice('account:'.length);
    return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0 ? null : `no "${name}" account here`;
  }
  return which(need) ? null : `${need} not installed (apt-get install ${PACKAGE[need] ?? need})`;
}

/** Why these requirements are not all met here (one clause each), or null when they are. */
export function unmet(...needs: string[]): string | null {
  const reasons = needs.map(reasonFor).filter((r): r is string => r !== null);
  return reasons.length ? reasons.join('; ') : null;
}

/**
 * In a running test (or its beforeEach): skip it with `reason`, or under CI fail it. Outside a test (a
 * beforeAll) there is nothing to skip: it throws; use needForEach() there.
 */
export function skipFor(reason: string): never {
  const test = TestRunner.getCurrentTest();
  if (IN_CI || !test)
    throw new Error(`${reason}${IN_CI ? '; under CI every test must run (.ci/run installs it)' : ''}`);
  return test.context.skip(reason);
}

/** In a running test: what it needs must be here, or it is skipped saying why (fails under CI). */
export function need(...needs: string[]): void {
  const reason = unmet(...needs);
  if (reason) skipFor(reason);
}

/**
 * For every test of the enclosing describe (or file): need() in a beforeEach. Returns whether all is
 * here, for its beforeAll/afterAll, which run around the tests and must do nothing when it is not.
 */
export function needForEach(...needs: string[]): boolean {
  beforeEach(() => need(...needs));
  return unmet(...needs) === null;
}
