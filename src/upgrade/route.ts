// How a cluster gets from one major to another, chosen by what is installed: the new major's pg_upgrade
// (needs the old major's server programs beside it, and the new major's full installation), else a dump
// of every database by a pg_dumpall at least as new as the old server, loaded by psql into a new cluster.
// The embedded and fetched servers ship neither (client-tools.ts): those come from a system install.
import path from 'node:path';
import { UserError } from '../errors.js';
import { type Binaries, isExecutable, serverVersion } from '../postgres/binaries.js';
import { type InstalledTool, installedTools, pickTool } from '../postgres/client-tools.js';

export type Route =
  | {
      kind: 'pg_upgrade';
      tool: InstalledTool;
      /** The new major's installation pg_upgrade belongs to: its initdb makes the new cluster. */
      newBinaries: Binaries;
      /** The old major's: postgres, pg_ctl, pg_controldata and pg_resetwal. */
      oldBindir: string;
    }
  | { kind: 'dump'; dumpall: InstalledTool; psql: string };

/** What pg_upgrade runs of the old installation (the embedded packages lack the last two). */
const OLD_PROGRAMS = ['postgres', 'pg_ctl', 'pg_controldata', 'pg_resetwal'];
/** ... and of the new one. */
const NEW_PROGRAMS = ['postgres', 'initdb', 'pg_ctl', 'pg_controldata', 'pg_resetwal', 'pg_dump', 'pg_dumpall', 'psql'];

function hasAll(dir: string, programs: string[]): boolean {
  return programs.every((p) => isExecutable(path.join(dir, p)));
}

/** pg_upgrade of major `to` with a full installation around it, and old programs of major `from` to go with it. */
function pgUpgradeRoute(from: Binaries, to: number, env: NodeJS.ProcessEnv): Route | null {
  const tool = pickTool('pg_upgrade', { exactly: to }, env);
  if (!tool) return null;
  const bindir = path.dirname(tool.file);
  if (!hasAll(bindir, NEW_PROGRAMS) || !hasAll(from.bindir, OLD_PROGRAMS)) return null;
  const version = serverVersion(bindir);
  if (!version || Number(version.split('.')[0]) !== to) return null;
  return {
    kind: 'pg_upgrade',
    tool,
    newBinaries: { bindir, major: to, version, source: 'system' },
    oldBindir: from.bindir,
  };
}

/**
 * A pg_dumpall of the old major or newer; of those, the newest not newer than the target (a newer one may
 * write what the target does not know), else the oldest newer one. psql from beside it, if there.
 */
function dumpRoute(from: number, to: number, env: NodeJS.ProcessEnv): Route | null {
  const usable = installedTools('pg_dumpall', env).filter((t) => t.major >= from);
  const dumpall = usable.find((t) => t.major <= to) ?? usable[usable.length - 1];
  if (!dumpall) return null;
  const beside = path.join(path.dirname(dumpall.file), 'psql');
  const psql = isExecutable(beside) ? beside : pickTool('psql', { atLeast: 0 }, env)?.file;
  return psql ? { kind: 'dump', dumpall, psql } : null;
}

/** The route from the old binaries' major to `to`; one line naming what to install when there is none. */
export function chooseRoute(from: Binaries, to: number, env: NodeJS.ProcessEnv = process.env): Route {
  const route = pgUpgradeRoute(from, to, env) ?? dumpRoute(from.major, to, env);
  if (route) return route;
  throw new UserError(
    `cannot move a PostgreSQL ${from.major} cluster to ${to} here: that needs PostgreSQL ${to}'s pg_upgrade or a ` +
      `pg_dumpall of PostgreSQL ${from.major} or newer, and neither is installed; install PostgreSQL's client ` +
      `tools (apt-get install postgresql-client, brew install libpq) and run again`,
  );
}

/** For the summary: "pg_upgrade 17.2 (--copy)", "pg_dumpall 15.14 and psql". */
export function routeText(route: Route, clone: boolean): string {
  return route.kind === 'pg_upgrade'
    ? `pg_upgrade ${route.tool.version} (${clone ? '--clone' : '--copy'})`
    : `pg_dumpall ${route.dumpall.version} | psql`;
}
