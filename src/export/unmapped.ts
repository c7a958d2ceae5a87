// What a production format does not carry over from devenv.json, and the one note saying so for each.
import { keyPath } from '../project/schema-check.js';
import type { DeployModel, DeployService } from './deploy-model.js';
import { isEnvName } from './systemd-text.js';

/** The extensions PostgreSQL ships in contrib (no extra package needed on the server). */
export const CONTRIB_EXTENSIONS = new Set(
  (
    'adminpack amcheck autoinc bloom btree_gin btree_gist citext cube dblink dict_int dict_xsyn earthdistance ' +
    'file_fdw fuzzystrmatch hstore insert_username intagg intarray isn lo ltree moddatetime old_snapshot ' +
    'pageinspect pg_buffercache pg_freespacemap pg_prewarm pg_stat_statements pg_surgery pg_trgm pg_visibility ' +
    'pg_walinspect pgcrypto pgrowlocks pgstattuple plpgsql postgres_fdw refint seg sslinfo tablefunc tcn ' +
    'tsm_system_rows tsm_system_time unaccent uuid-ossp xml2'
  ).split(' '),
);

/** The process's env that a unit can carry; a note for each key systemd would refuse as a variable name. */
export function exportedEnv(s: DeployService, notes: string[]): [string, string][] {
  return Object.entries(s.env).filter(([key]) => {
    if (isEnvName(key)) return true;
    notes.push(
      `${keyPath(`${s.where}.env`, key)} is not exported: systemd takes letters, digits and _ in variable names`,
    );
    return false;
  });
}

/** Extensions that need a package besides PostgreSQL itself. */
export function nonContribExtensions(model: DeployModel): string[] {
  return model.extensions.filter((e) => !CONTRIB_EXTENSIONS.has(e));
}

/** The notes every target shares: config with no production counterpart. */
export function commonNotes(model: DeployModel): string[] {
  const notes: string[] = [];
  if (model.source === 'Procfile.dev') notes.push('processes are taken from Procfile.dev (there is no Procfile)');
  if (model.unexported.includes('postgres.setup')) {
    notes.push('postgres.setup is not exported: create the schema with your migrations on the server');
  }
  return notes;
}

/** Where, in a target's world, each thing it cannot carry belongs instead. */
export interface Elsewhere {
  /** After "restart on file change is for development; ". */
  watch: string;
  /** After "server settings belong in ". */
  settings: string;
  /** After "extension X is not part of PostgreSQL's contrib: ". */
  extension: string;
}

/** The notes for what devenv.json says and a target's files leave out, each naming where it goes there. */
export function unmappedNotes(model: DeployModel, elsewhere: Elsewhere): string[] {
  const notes: string[] = [];
  if (model.services.some((s) => s.watches)) {
    notes.push(`watch is not exported: restart on file change is for development; ${elsewhere.watch}`);
  }
  if (model.unexported.includes('postgres.settings')) {
    notes.push(`postgres.settings is not exported: server settings belong in ${elsewhere.settings}`);
  }
  for (const ext of nonContribExtensions(model)) {
    notes.push(`extension ${ext} is not part of PostgreSQL's contrib: ${elsewhere.extension}`);
  }
  return notes;
}
