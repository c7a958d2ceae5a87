/** The footer lines of `\d NAME`: what psql 15 lists under a table, an index or a sequence. */
import { literal } from '../postgres/sql-client.js';
import { catalogQuery, type DescribeFlags } from './describe.js';
import type { RelationInfo } from './describe-relation.js';
import type { Shell } from './shell.js';

const q = literal;

async function rows(shell: Shell, sql: string): Promise<(string | null)[][]> {
  return (await catalogQuery(shell, sql)).rows;
}

/** A heading and its indented lines, when there are any. */
function section(heading: string, lines: string[]): string[] {
  return lines.length ? [heading, ...lines.map((l) => `    ${l}`)] : [];
}

export async function sequenceFooters(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const owner = await rows(
    shell,
    "SELECT pg_catalog.quote_ident(nspname) || '.' || pg_catalog.quote_ident(relname) || '.' ||\n" +
      '  pg_catalog.quote_ident(attname), d.deptype\nFROM pg_catalog.pg_class c\n' +
      'INNER JOIN pg_catalog.pg_depend d ON c.oid=d.refobjid\n' +
      'INNER JOIN pg_catalog.pg_namespace n ON n.oid=c.relnamespace\n' +
      'INNER JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid AND a.attnum=d.refobjsubid)\n' +
      "WHERE d.classid='pg_catalog.pg_class'::pg_catalog.regclass\n" +
      " AND d.refclassid='pg_catalog.pg_class'::pg_catalog.regclass\n" +
      ` AND d.objid=${q(rel.oid)}\n AND d.deptype IN ('a', 'i')`,
  );
  const o = owner[0];
  if (!o) return [];
  return [o[1] === 'i' ? `Sequence for identity column: ${o[0]}` : `Owned by: ${o[0]}`];
}

export async function indexFooter(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const r = (
    await rows(
      shell,
      'SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid,\n' +
        '  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid\n' +
        "   AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferrable) AS condeferrable,\n" +
        '  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid\n' +
        "   AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred) AS condeferred,\n" +
        `  i.indisreplident, ${(await nullsNotDistinct(shell)) ? 'i.indnullsnotdistinct' : 'false'},\n` +
        '  a.amname, c2.relname, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)\n' +
        'FROM pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_am a\n' +
        `WHERE i.indexrelid = c.oid AND c.oid = ${q(rel.oid)} AND c.relam = a.oid\nAND i.indrelid = c2.oid;`,
    )
  )[0];
  if (!r) return [];
  const [unique, primary, clustered, valid, deferrable, deferred, replident, nnd, am, table, pred] = r;
  let line =
    primary === 't'
      ? 'primary key, '
      : unique === 't'
        ? nnd === 't'
          ? 'unique nulls not distinct, '
          : 'unique, '
        : '';
  line += `${am}, for table "${rel.schema}.${table}"`;
  if (pred) line += `, predicate (${pred})`;
  if (clustered === 't') line += ', clustered';
  if (valid !== 't') line += ', invalid';
  if (deferrable === 't') line += ', deferrable';
  if (deferred === 't') line += ', initially deferred';
  if (replident === 't') line += ', replica identity';
  return [line];
}

async function nullsNotDistinct(shell: Shell): Promise<boolean> {
  return Number(shell.vars.get('SERVER_VERSION_NUM') ?? '0') >= 150000;
}

async function indexLines(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const list = await rows(
    shell,
    'SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid,\n' +
      '  pg_catalog.pg_get_indexdef(i.indexrelid, 0, true), pg_catalog.pg_get_constraintdef(con.oid, true),\n' +
      '  contype, condeferrable, condeferred, i.indisreplident\n' +
      'FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i\n' +
      '  LEFT JOIN pg_catalog.pg_constraint con\n' +
      "    ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))\n" +
      `WHERE c.oid = ${q(rel.oid)} AND c.oid = i.indrelid AND i.indexrelid = c2.oid\n` +
      'ORDER BY i.indisprimary DESC, c2.relname;',
  );
  return list.map(
    ([name, primary, unique, clustered, valid, indexdef, condef, contype, deferrable, deferred, repl]) => {
      let line = `"${name}"`;
      if (contype === 'x') line += ` ${condef}`;
      else {
        if (primary === 't') line += ' PRIMARY KEY,';
        else if (unique === 't') line += contype === 'u' ? ' UNIQUE CONSTRAINT,' : ' UNIQUE,';
        const using = indexdef!.indexOf(' USING ');
        line += ` ${using >= 0 ? indexdef!.slice(using + 7) : indexdef}`;
        if (deferrable === 't') line += ' DEFERRABLE';
        if (deferred === 't') line += ' INITIALLY DEFERRED';
      }
      if (clustered === 't') line += ' CLUSTER';
      if (valid !== 't') line += ' INVALID';
      if (repl === 't') line += ' REPLICA IDENTITY';
      return line;
    },
  );
}

async function constraintLines(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const out: string[] = [];
  if (rel.checks > 0) {
    const checks = await rows(
      shell,
      'SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)\nFROM pg_catalog.pg_constraint r\n' +
        `WHERE r.conrelid = ${q(rel.oid)} AND r.contype = 'c'\nORDER BY 1;`,
    );
    out.push(
      ...section(
        'Check constraints:',
        checks.map(([n, d]) => `"${n}" ${d}`),
      ),
    );
  }
  // A partition also shows the foreign keys it inherits from its ancestors.
  const tables =
    rel.isPartition || rel.kind === 'p'
      ? `pg_catalog.pg_partition_ancestors(${q(rel.oid)})`
      : `(VALUES (${q(rel.oid)}::pg_catalog.regclass)) AS a(relid)`;
  const fks = await rows(
    shell,
    `SELECT conrelid = ${q(rel.oid)}::pg_catalog.regclass AS sametable, conname,\n` +
      '  pg_catalog.pg_get_constraintdef(oid, true) AS condef, conrelid::pg_catalog.regclass AS ontable\n' +
      `FROM pg_catalog.pg_constraint, ${tables}\n` +
      "WHERE conrelid = relid AND contype = 'f' AND conparentid = 0\nORDER BY sametable DESC, conname;",
  );
  out.push(
    ...section(
      'Foreign-key constraints:',
      fks.map(([same, n, d, on]) => (same === 't' ? `"${n}" ${d}` : `TABLE "${on}" CONSTRAINT "${n}" ${d}`)),
    ),
  );
  const refs = await rows(
    shell,
    'SELECT conname, conrelid::pg_catalog.regclass AS ontable,\n' +
      '  pg_catalog.pg_get_constraintdef(oid, true) AS condef\nFROM pg_catalog.pg_constraint c\n' +
      `WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors(${q(rel.oid)})\n` +
      `                    UNION ALL VALUES (${q(rel.oid)}::pg_catalog.regclass))\n` +
      "      AND contype = 'f' AND conparentid = 0\nORDER BY conname;",
  );
  out.push(
    ...section(
      'Referenced by:',
      refs.map(([n, on, d]) => `TABLE "${on}" CONSTRAINT "${n}" ${d}`),
    ),
  );
  return out;
}

async function policyLines(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const pols = await rows(
    shell,
    'SELECT pol.polname, pol.polpermissive,\n' +
      "  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from " +
      "pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,\n" +
      '  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n' +
      '  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n' +
      "  CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'\n" +
      "    WHEN 'd' THEN 'DELETE' END\n" +
      `FROM pg_catalog.pg_policy pol\nWHERE pol.polrelid = ${q(rel.oid)} ORDER BY 1;`,
  );
  const forced = rel.forceRowSecurity ? ' (forced row security enabled)' : '';
  if (pols.length === 0) return rel.rowSecurity ? [`Policies${forced || ' (row security enabled)'}: (none)`] : [];
  const heading = rel.rowSecurity ? `Policies${forced}:` : 'Policies (row security disabled):';
  return section(
    heading,
    pols.map(([name, permissive, roles, qual, check, cmd]) => {
      let line = `POLICY "${name}"`;
      if (permissive !== 't') line += ' AS RESTRICTIVE';
      if (cmd) line += ` FOR ${cmd}`;
      if (roles) line += `\n      TO ${roles}`;
      if (qual) line += `\n      USING (${qual})`;
      if (check) line += `\n      WITH CHECK (${check})`;
      return line;
    }),
  );
}

const TRIGGER_GROUPS: [string, string][] = [
  ['O', 'Triggers:'],
  ['D', 'Disabled user triggers:'],
  ['A', 'Triggers firing always:'],
  ['R', 'Triggers firing on replica only:'],
];

async function triggerLines(shell: Shell, rel: RelationInfo): Promise<string[]> {
  const trigs = await rows(
    shell,
    'SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled\nFROM pg_catalog.pg_trigger t\n' +
      `WHERE t.tgrelid = ${q(rel.oid)} AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))\n` +
      'ORDER BY 1;',
  );
  const out: string[] = [];
  for (const [state, heading] of TRIGGER_GROUPS) {
    const lines = trigs
      .filter((t) => t[2] === state)
      .map(([, def]) => {
        const at = def!.indexOf(' TRIGGER ');
        return at >= 0 ? def!.slice(at + 9) : def!;
      });
    out.push(...section(heading, lines));
  }
  return out;
}

async function inheritanceLines(shell: Shell, rel: RelationInfo, flags: DescribeFlags): Promise<string[]> {
  const out: string[] = [];
  if (rel.isPartition) {
    const [p] = await rows(
      shell,
      'SELECT inhparent::pg_catalog.regclass, pg_catalog.pg_get_expr(c.relpartbound, c.oid), inhdetachpending\n' +
        'FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = inhrelid\n' +
        `WHERE c.oid = ${q(rel.oid)};`,
    );
    if (p) out.push(`Partition of: ${p[0]} ${p[1]}${p[2] === 't' ? ' DETACH PENDING' : ''}`);
  }
  if (rel.kind === 'p') {
    const [k] = await rows(shell, `SELECT pg_catalog.pg_get_partkeydef(${q(rel.oid)}::pg_catalog.oid);`);
    if (k?.[0]) out.push(`Partition key: ${k[0]}`);
  }
  const parents = await rows(
    shell,
    'SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n' +
      `WHERE c.oid = i.inhparent AND i.inhrelid = ${q(rel.oid)} AND c.relkind != 'p' AND c.relkind != 'I'\n` +
      'ORDER BY inhseqno;',
  );
  parents.forEach(([name], i) => {
    const last = i === parents.length - 1;
    out.push(`${i === 0 ? 'Inherits: ' : '          '}${name}${last ? '' : ','}`);
  });
  const children = await rows(
    shell,
    'SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)\n' +
      'FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n' +
      `WHERE c.oid = i.inhrelid AND i.inhparent = ${q(rel.oid)}\n` +
      "ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT',\n" +
      '  c.oid::pg_catalog.regclass::pg_catalog.text;',
  );
  const partitioned = rel.kind === 'p';
  if (children.length > 0 && !flags.verbose) {
    out.push(`Number of ${partitioned ? 'partitions' : 'child tables'}: ${children.length} (Use \\d+ to list them.)`);
  } else if (children.length > 0) {
    const head = partitioned ? 'Partitions: ' : 'Child tables: ';
    children.forEach(([name, kind, detach, bound], i) => {
      let line = `${i === 0 ? head : ' '.repeat(head.length)}${name}`;
      if (partitioned) line += ` ${bound}`;
      if (kind === 'p') line += ', PARTITIONED';
      if (detach === 't') line += ' (DETACH PENDING)';
      out.push(`${line}${i === children.length - 1 ? '' : ','}`);
    });
  } else if (partitioned) out.push('Number of partitions: 0');
  return out;
}

export async function tableFooters(shell: Shell, rel: RelationInfo, flags: DescribeFlags): Promise<string[]> {
  const out: string[] = [];
  if (rel.kind === 'v' || rel.kind === 'm') {
    if (rel.kind === 'm' && rel.hasIndex) out.push(...section('Indexes:', await indexLines(shell, rel)));
    if (flags.verbose) {
      const [def] = await rows(shell, `SELECT pg_catalog.pg_get_viewdef(${q(rel.oid)}::pg_catalog.oid, true);`);
      out.push('View definition:', def![0]!);
    }
    if (flags.verbose && rel.kind === 'm' && rel.accessMethod) out.push(`Access method: ${rel.accessMethod}`);
    return out;
  }
  if (!['r', 'p', 'f'].includes(rel.kind)) return out;
  const inheritance = await inheritanceLines(shell, rel, flags);
  // Partition facts come first, child lists last, as psql orders them.
  const head = inheritance.filter((l) => /^Partition (of|key):/.test(l));
  const tail = inheritance.filter((l) => !/^Partition (of|key):/.test(l));
  out.push(...head);
  if (rel.hasIndex) out.push(...section('Indexes:', await indexLines(shell, rel)));
  out.push(...(await constraintLines(shell, rel)));
  out.push(...(await policyLines(shell, rel)));
  if (rel.hasTriggers) out.push(...(await triggerLines(shell, rel)));
  out.push(...tail);
  if (flags.verbose && rel.accessMethod) out.push(`Access method: ${rel.accessMethod}`);
  if (flags.verbose && rel.options) out.push(`Options: ${rel.options}`);
  return out;
}
