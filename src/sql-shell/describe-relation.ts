/**
 * `\d NAME`: one relation described as psql 15 shows it: a title naming its kind, its columns, and
 * footers (indexes, constraints, references, triggers, inheritance…) from describe-footers.ts. Sequences
 * and indexes have layouts of their own.
 */
import { literal } from '../postgres/sql-client.js';
import { catalogQuery, type DescribeFlags } from './describe.js';
import { indexFooter, sequenceFooters, tableFooters } from './describe-footers.js';
import { patternConditions } from './name-pattern.js';
import type { Cell, Table } from './print-options.js';
import type { Shell } from './shell.js';

const TITLES: Record<string, string> = {
  r: 'Table',
  v: 'View',
  m: 'Materialized view',
  S: 'Sequence',
  i: 'Index',
  I: 'Partitioned index',
  t: 'TOAST table',
  c: 'Composite type',
  f: 'Foreign table',
  p: 'Partitioned table',
};

export interface RelationInfo {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  hasIndex: boolean;
  checks: number;
  hasTriggers: boolean;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  isPartition: boolean;
  options: string;
  persistence: string;
  accessMethod: string | null;
}

export async function describeRelations(shell: Shell, pattern: string, flags: DescribeFlags): Promise<boolean> {
  const conditions = patternConditions(pattern, {
    name: 'c.relname',
    schema: 'n.nspname',
    visible: 'pg_catalog.pg_table_is_visible(c.oid)',
  });
  const found = await catalogQuery(
    shell,
    'SELECT c.oid, n.nspname, c.relname\nFROM pg_catalog.pg_class c\n' +
      '     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n' +
      `WHERE ${conditions.join('\n  AND ')}\nORDER BY 2, 3;`,
  );
  if (found.rows.length === 0) {
    if (!shell.quiet) shell.error(`Did not find any relation named "${pattern}".`);
    return false;
  }
  for (const [oid, schema, name] of found.rows) await describeOne(shell, oid!, schema!, name!, flags);
  return true;
}

async function relationInfo(shell: Shell, oid: string, schema: string, name: string): Promise<RelationInfo> {
  const t = await catalogQuery(
    shell,
    'SELECT c.relchecks, c.relkind, c.relhasindex, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity,\n' +
      "  c.relispartition, pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x " +
      "from pg_catalog.unnest(tc.reloptions) x), ', '),\n  c.relpersistence, am.amname\n" +
      'FROM pg_catalog.pg_class c\n LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)\n' +
      ' LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\n' +
      `WHERE c.oid = ${literal(oid)};`,
  );
  const r = t.rows[0]!;
  return {
    oid,
    schema,
    name,
    checks: Number(r[0]),
    kind: r[1]!,
    hasIndex: r[2] === 't',
    hasTriggers: r[3] === 't',
    rowSecurity: r[4] === 't',
    forceRowSecurity: r[5] === 't',
    isPartition: r[6] === 't',
    options: r[7] ?? '',
    persistence: r[8]!,
    accessMethod: r[9] ?? null,
  };
}

function title(rel: RelationInfo): string {
  const kind = TITLES[rel.kind] ?? 'Relation';
  const unlogged = rel.persistence === 'u' ? `Unlogged ${kind.toLowerCase()}` : kind;
  return `${unlogged} "${rel.schema}.${rel.name}"`;
}

const STORAGE: Record<string, string> = { p: 'plain', m: 'main', x: 'extended', e: 'external' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };

async function describeOne(shell: Shell, oid: string, schema: string, name: string, flags: DescribeFlags) {
  const rel = await relationInfo(shell, oid, schema, name);
  if (rel.kind === 'S') {
    const seq = await catalogQuery(
      shell,
      'SELECT pg_catalog.format_type(seqtypid, NULL) AS "Type",\n       seqstart AS "Start",\n' +
        '       seqmin AS "Minimum",\n       seqmax AS "Maximum",\n       seqincrement AS "Increment",\n' +
        `       CASE WHEN seqcycle THEN 'yes' ELSE 'no' END AS "Cycles?",\n       seqcache AS "Cache"\n` +
        `FROM pg_catalog.pg_sequence\nWHERE seqrelid = ${literal(oid)};`,
    );
    shell.print(seq, { title: title(rel), footers: await sequenceFooters(shell, rel) });
    return;
  }
  const isIndex = rel.kind === 'i' || rel.kind === 'I';
  const cols = [
    'a.attname',
    'pg_catalog.format_type(a.atttypid, a.atttypmod)',
    '(SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d\n' +
      '   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef)',
    'a.attnotnull',
    '(SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n' +
      '   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation',
    'a.attidentity',
    'a.attgenerated',
    isIndex ? 'pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, TRUE) AS indexdef' : 'NULL',
    isIndex
      ? 'CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i\n' +
        `   WHERE i.indexrelid = ${literal(oid)}) ` +
        "THEN 'yes' ELSE 'no' END AS is_key"
      : 'NULL',
    'a.attstorage',
    'a.attcompression',
    'CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget',
    'pg_catalog.col_description(a.attrelid, a.attnum)',
  ];
  const attrs = await catalogQuery(
    shell,
    `SELECT ${cols.join(',\n  ')}\nFROM pg_catalog.pg_attribute a\n` +
      `WHERE a.attrelid = ${literal(oid)} AND a.attnum > 0 AND NOT a.attisdropped\nORDER BY a.attnum;`,
  );
  const table = columnsTable(rel, attrs, flags);
  const footers = isIndex ? await indexFooter(shell, rel) : await tableFooters(shell, rel, flags);
  shell.print(table, { title: title(rel), footers });
}

/** The column list: which columns show depends on the kind of relation and on +. */
function columnsTable(rel: RelationInfo, attrs: Table, flags: DescribeFlags): Table {
  const isIndex = rel.kind === 'i' || rel.kind === 'I';
  const tableLike = ['r', 'p', 'v', 'm', 'f', 'c'].includes(rel.kind);
  const heads: string[] = ['Column', 'Type'];
  if (tableLike) heads.push('Collation', 'Nullable', 'Default');
  if (isIndex) heads.push('Key?', 'Definition');
  const v = flags.verbose;
  const showStorage = v && rel.kind !== 'c';
  const showCompression = v && ['r', 'p', 'm'].includes(rel.kind);
  const showStats = v && ['r', 'p', 'm', 'i', 'I', 'f'].includes(rel.kind);
  const showDescription = v && ['r', 'p', 'v', 'm', 'f', 'c'].includes(rel.kind);
  if (showStorage) heads.push('Storage');
  if (showCompression) heads.push('Compression');
  if (showStats) heads.push('Stats target');
  if (showDescription) heads.push('Description');
  const rows = attrs.rows.map((a) => {
    const [
      name,
      type,
      def,
      notNull,
      collation,
      identity,
      generated,
      indexdef,
      isKey,
      storage,
      compression,
      stats,
      desc,
    ] = a;
    const row: Cell[] = [name!, type!];
    if (tableLike) {
      let d = def ?? '';
      if (identity === 'a') d = 'generated always as identity';
      else if (identity === 'd') d = 'generated by default as identity';
      else if (generated === 's') d = `generated always as (${def}) stored`;
      row.push(collation ?? '', notNull === 't' ? 'not null' : '', d);
    }
    if (isIndex) row.push(isKey!, indexdef!);
    if (showStorage) row.push(STORAGE[storage!] ?? '???');
    if (showCompression) row.push(COMPRESSION[compression ?? ''] ?? '');
    if (showStats) row.push(stats ?? '');
    if (showDescription) row.push(desc ?? '');
    return row;
  });
  return { columns: heads.map((name) => ({ name, typeOid: 25 })), rows };
}
