/**
 * The describe family (\d, \dt, \di, \dv, \ds, \dm, \df, \dn, \du, \dx, \l): parses the command name
 * (+ for more detail, S for system objects) and hands over to the list or the one-object description.
 * Their catalog queries are written from psql's documented output, not taken from psql.
 */

import {
  listDatabases,
  listExtensions,
  listFunctions,
  listRelations,
  listRoles,
  listSchemas,
} from './describe-lists.js';
import { describeRelations } from './describe-relation.js';
import type { Arg } from './meta-args.js';
import type { Table } from './print-options.js';
import type { Shell } from './shell.js';

export interface DescribeFlags {
  verbose: boolean;
  system: boolean;
}

/** Run a catalog query; values stay the server's text, as psql shows them. */
export async function catalogQuery(shell: Shell, sql: string): Promise<Table> {
  if (shell.vars.bool('ECHO_HIDDEN'))
    shell.io.out.write(`/******** QUERY *********/\n${sql}\n/************************/\n\n`);
  const r = await shell.conn.client.query({
    text: sql,
    rowMode: 'array',
    types: { getTypeParser: () => (v: string) => v },
  });
  return {
    columns: r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
    rows: r.rows as (string | null)[][],
  };
}

/** The server's major version × 10000, as psql compares it. */
export function serverVersionNum(shell: Shell): number {
  return Number(shell.vars.get('SERVER_VERSION_NUM') ?? '0');
}

/** null: not a describe command this shell has; else whether it succeeded. */
export async function runDescribe(shell: Shell, name: string, args: Arg[]): Promise<boolean | null> {
  const m = /^(l|list|d)([a-zA-Z]*?)([S+]*)$/.exec(name);
  if (!m) return null;
  const flags: DescribeFlags = { verbose: m[3]!.includes('+'), system: m[3]!.includes('S') };
  const pattern = args[0]?.value;
  const kinds = m[2]!;
  try {
    if (m[1] === 'l' || m[1] === 'list') return kinds ? null : await listDatabases(shell, pattern, flags);
    if (/^[tivsmE]+$/.test(kinds)) return await listRelations(shell, kinds, pattern, flags);
    switch (kinds) {
      case '':
        if (pattern === undefined) return await listRelations(shell, 'tvmsE', undefined, flags);
        return await describeRelations(shell, pattern, flags);
      case 'f':
        return await listFunctions(shell, pattern, flags);
      case 'n':
        return await listSchemas(shell, pattern, flags);
      case 'u':
      case 'g':
        return await listRoles(shell, pattern);
      case 'x':
        return await listExtensions(shell, pattern);
      default:
        return null;
    }
  } catch (err) {
    const e = err as { severity?: string; message: string };
    if (!e.severity) throw err;
    shell.reportError(err as never, '');
    return false;
  }
}
