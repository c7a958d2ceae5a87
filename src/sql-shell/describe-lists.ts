/** The list commands: \dt \di \dv \ds \dm \dE (and \d alone), \df, \dn, \du, \dx and \l, in psql 15's layout. */
import { catalogQuery, type DescribeFlags, serverVersionNum } from './describe.js';
import { namesSchema, patternConditions } from './name-pattern.js';
import type { Table } from './print-options.js';
import type { Shell } from './shell.js';

const HIDE_SYSTEM = ["n.nspname <> 'pg_catalog'", "n.nspname !~ '^pg_toast'", "n.nspname <> 'information_schema'"];

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join('\n  AND ')}\n` : '';
}

const RELKINDS: Record<string, string[]> = {
  t: ["'r'", "'p'"],
  v: ["'v'"],
  m: ["'m'"],
  i: ["'i'", "'I'"],
  s: ["'S'"],
  E: ["'f'"],
};

export async function listRelations(
  shell: Shell,
  kinds: string,
  pattern: string | undefined,
  flags: DescribeFlags,
): Promise<boolean> {
  const relkinds = [...kinds].flatMap((k) => RELKINDS[k] ?? []);
  if (flags.system && kinds.includes('t')) relkinds.push("'t'");
  const showIndexes = kinds.includes('i');
  const showAm = flags.verbose && (kinds.includes('t') || kinds.includes('m') || showIndexes);
  const cols = [
    'n.nspname as "Schema"',
    'c.relname as "Name"',
    "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' " +
      "WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' " +
      "WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as \"Type\"",
    'pg_catalog.pg_get_userbyid(c.relowner) as "Owner"',
  ];
  if (showIndexes) cols.push('c2.relname as "Table"');
  if (flags.verbose) {
    cols.push(
      "CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 't' THEN 'temporary' WHEN 'u' THEN 'unlogged' END " +
        'as "Persistence"',
    );
    if (showAm) cols.push('am.amname as "Access method"');
    cols.push('pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) as "Size"');
    cols.push(`pg_catalog.obj_description(c.oid, 'pg_class') as "Description"`);
  }
  const conditions = [`c.relkind IN (${relkinds.join(',')})`];
  if (!flags.system && !namesSchema(pattern)) conditions.push(...HIDE_SYSTEM);
  conditions.push(
    ...patternConditions(pattern, {
      name: 'c.relname',
      schema: 'n.nspname',
      visible: 'pg_catalog.pg_table_is_visible(c.oid)',
    }),
  );
  const sql =
    `SELECT ${cols.join(',\n  ')}\nFROM pg_catalog.pg_class c\n` +
    '     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n' +
    (showAm ? '     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\n' : '') +
    (showIndexes
      ? '     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid\n' +
        '     LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid\n'
      : '') +
    `${where(conditions)}ORDER BY 1,2;`;
  const table = await catalogQuery(shell, sql);
  if (table.rows.length === 0 && !shell.quiet) {
    // psql reports an empty list as a message, and it is not a failure
    shell.error(
      pattern === undefined ? 'Did not find any relations.' : `Did not find any relation named "${pattern}".`,
    );
    return true;
  }
  shell.print(table, { title: 'List of relations' });
  return true;
}

export async function listFunctions(shell: Shell, pattern: string | undefined, flags: DescribeFlags): Promise<boolean> {
  const cols = [
    'n.nspname as "Schema"',
    'p.proname as "Name"',
    'pg_catalog.pg_get_function_result(p.oid) as "Result data type"',
    'pg_catalog.pg_get_function_arguments(p.oid) as "Argument data types"',
    "CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END as \"Type\"",
  ];
  if (flags.verbose) {
    cols.push(
      "CASE WHEN p.provolatile = 'i' THEN 'immutable' WHEN p.provolatile = 's' THEN 'stable' " +
        "WHEN p.provolatile = 'v' THEN 'volatile' END as \"Volatility\"",
      "CASE WHEN p.proparallel = 'r' THEN 'restricted' WHEN p.proparallel = 's' THEN 'safe' " +
        "WHEN p.proparallel = 'u' THEN 'unsafe' END as \"Parallel\"",
      'pg_catalog.pg_get_userbyid(p.proowner) as "Owner"',
      `CASE WHEN prosecdef THEN 'definer' ELSE 'invoker' END AS "Security"`,
      `pg_catalog.array_to_string(p.proacl, E'\\n') AS "Access privileges"`,
      'l.lanname as "Language"',
      'p.prosrc as "Source code"',
      `pg_catalog.obj_description(p.oid, 'pg_proc') as "Description"`,
    );
  }
  const conditions = patternConditions(pattern, {
    name: 'p.proname',
    schema: 'n.nspname',
    visible: 'pg_catalog.pg_function_is_visible(p.oid)',
  });
  if (!flags.system && !namesSchema(pattern))
    conditions.push("n.nspname <> 'pg_catalog'", "n.nspname <> 'information_schema'");
  const sql =
    `SELECT ${cols.join(',\n ')}\nFROM pg_catalog.pg_proc p\n` +
    '     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n' +
    (flags.verbose ? '     LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang\n' : '') +
    `${where(conditions)}ORDER BY 1, 2, 4;`;
  shell.print(await catalogQuery(shell, sql), { title: 'List of functions' });
  return true;
}

export async function listSchemas(shell: Shell, pattern: string | undefined, flags: DescribeFlags): Promise<boolean> {
  const cols = ['n.nspname AS "Name"', 'pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"'];
  if (flags.verbose)
    cols.push(
      `pg_catalog.array_to_string(n.nspacl, E'\\n') AS "Access privileges"`,
      `pg_catalog.obj_description(n.oid, 'pg_namespace') AS "Description"`,
    );
  const conditions = patternConditions(pattern, { name: 'n.nspname' });
  if (!flags.system && pattern === undefined)
    conditions.push("n.nspname !~ '^pg_'", "n.nspname <> 'information_schema'");
  const sql = `SELECT ${cols.join(',\n  ')}\nFROM pg_catalog.pg_namespace n\n${where(conditions)}ORDER BY 1;`;
  shell.print(await catalogQuery(shell, sql), { title: 'List of schemas' });
  return true;
}

export async function listExtensions(shell: Shell, pattern: string | undefined): Promise<boolean> {
  const conditions = patternConditions(pattern, { name: 'e.extname' });
  const sql =
    'SELECT e.extname AS "Name", e.extversion AS "Version", n.nspname AS "Schema", c.description AS "Description"\n' +
    'FROM pg_catalog.pg_extension e LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ' +
    'LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid ' +
    "AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass\n" +
    `${where(conditions)}ORDER BY 1;`;
  const table = await catalogQuery(shell, sql);
  if (table.rows.length === 0 && pattern !== undefined && !shell.quiet) {
    shell.error(`Did not find any extension named "${pattern}".`);
    return true;
  }
  shell.print(table, { title: 'List of installed extensions' });
  return true;
}

export async function listDatabases(shell: Shell, pattern: string | undefined, flags: DescribeFlags): Promise<boolean> {
  const v = serverVersionNum(shell);
  const icu = v >= 170000 ? 'd.datlocale' : v >= 150000 ? 'd.daticulocale' : 'NULL';
  const cols = [
    'd.datname as "Name"',
    'pg_catalog.pg_get_userbyid(d.datdba) as "Owner"',
    'pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding"',
    'd.datcollate as "Collate"',
    'd.datctype as "Ctype"',
    `${icu} as "ICU Locale"`,
    v >= 150000
      ? "CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' END\n" +
        '  AS "Locale Provider"'
      : `'libc' AS "Locale Provider"`,
    `pg_catalog.array_to_string(d.datacl, E'\\n') AS "Access privileges"`,
  ];
  if (flags.verbose)
    cols.push(
      "CASE WHEN pg_catalog.has_database_privilege(d.datname, 'CONNECT') " +
        'THEN pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.datname)) ELSE \'No Access\' END as "Size"',
      't.spcname as "Tablespace"',
      `pg_catalog.shobj_description(d.oid, 'pg_database') as "Description"`,
    );
  const sql =
    `SELECT ${cols.join(',\n       ')}\nFROM pg_catalog.pg_database d\n` +
    (flags.verbose ? '  JOIN pg_catalog.pg_tablespace t on d.dattablespace = t.oid\n' : '') +
    `${where(patternConditions(pattern, { name: 'd.datname' }))}ORDER BY 1;`;
  shell.print(await catalogQuery(shell, sql), { title: 'List of databases' });
  return true;
}

/** \du: attributes are put together on the client, as psql does. */
export async function listRoles(shell: Shell, pattern: string | undefined): Promise<boolean> {
  const conditions = patternConditions(pattern, { name: 'r.rolname' });
  if (pattern === undefined) conditions.push("r.rolname !~ '^pg_'");
  const sql =
    'SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolconnlimit,\n' +
    '  r.rolvaliduntil,\n' +
    '  ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)\n' +
    '        WHERE m.member = r.oid) as memberof,\n' +
    '  r.rolreplication, r.rolbypassrls\n' +
    `FROM pg_catalog.pg_roles r\n${where(conditions)}ORDER BY 1;`;
  const roles = await catalogQuery(shell, sql);
  const rows = roles.rows.map((r) => {
    const [name, superuser, inherit, createRole, createDb, login, connLimit, validUntil, memberOf, repl, bypass] = r;
    const attrs: string[] = [];
    if (superuser === 't') attrs.push('Superuser');
    if (inherit !== 't') attrs.push('No inheritance');
    if (createRole === 't') attrs.push('Create role');
    if (createDb === 't') attrs.push('Create DB');
    if (login !== 't') attrs.push('Cannot login');
    if (repl === 't') attrs.push('Replication');
    if (bypass === 't') attrs.push('Bypass RLS');
    let text = attrs.join(', ');
    const limit = Number(connLimit);
    if (limit >= 0) {
      const conns = limit === 0 ? 'No connections' : limit === 1 ? '1 connection' : `${limit} connections`;
      text += `${text ? '\n' : ''}${conns}`;
    }
    if (validUntil) text += `${text ? '\n' : ''}Password valid until ${validUntil}`;
    return [name ?? null, text, memberOf ?? null];
  });
  const table: Table = {
    columns: ['Role name', 'Attributes', 'Member of'].map((name) => ({ name, typeOid: 25 })),
    rows,
  };
  shell.print(table, { title: 'List of roles', rowCount: false });
  return true;
}
