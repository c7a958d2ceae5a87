// What an upgrade must have carried over, read from a running server: its roles (and whether each has a
// password), and per database its extensions, the rows of every table and the last value of every
// sequence. The old cluster's and the new one's must be equal before the new one is swapped in.
import type { Client } from 'pg';
import { UserError } from '../errors.js';
import { ident, literal } from '../postgres/sql-client.js';

export interface DatabaseInventory {
  extensions: string[];
  /** "schema.table" → rows. */
  rows: Record<string, string>;
  /** "schema.sequence" → last value ("" before its first nextval). */
  sequences: Record<string, string>;
}

export interface Inventory {
  roles: string[];
  databases: Record<string, DatabaseInventory>;
}

export interface Endpoint {
  socketDir: string;
  port: number;
  user: string;
}

const ROLES = `select rolname || case when rolsuper then ' superuser' else '' end
    || case when rolcanlogin then ' login' else '' end || case when rolpassword is not null then ' password' else '' end
  from pg_authid where rolname !~ '^pg_' order by 1`;
const TABLES = `select format('%I.%I', n.nspname, c.relname)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where (c.relkind = 'r' or (c.relkind = 'm' and c.relispopulated))
    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast' order by 1`;
const SEQUENCES = `select format('%I.%I', schemaname, sequencename), coalesce(last_value::text, '') from pg_sequences
  order by 1`;

async function connect(at: Endpoint, database: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: at.socketDir,
    port: at.port,
    user: at.user,
    database,
    ssl: false,
    password: '',
    application_name: 'devenv upgrade',
  });
  await client.connect();
  return client;
}

async function column(client: Client, sql: string): Promise<string[][]> {
  const res = await client.query({ text: sql, rowMode: 'array' });
  return (res.rows as unknown[][]).map((r) => r.map((v) => (v === null ? '' : String(v))));
}

async function databaseInventory(at: Endpoint, database: string): Promise<DatabaseInventory> {
  const client = await connect(at, database);
  try {
    const extensions = (await column(client, 'select extname from pg_extension order by 1')).map((r) => r[0]!);
    const tables = (await column(client, TABLES)).map((r) => r[0]!);
    const rows: Record<string, string> = {};
    // One statement for all tables: a round trip each would cost more than counting small ones.
    for (let i = 0; i < tables.length; i += 200) {
      const part = tables.slice(i, i + 200);
      const sql = part.map((t) => `select ${literal(t)}, count(*) from only ${t}`).join(' union all ');
      for (const [t, n] of await column(client, sql)) rows[t!] = n!;
    }
    const sequences = Object.fromEntries((await column(client, SEQUENCES)).map(([s, v]) => [s!, v!]));
    return { extensions, rows, sequences };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Everything the check compares, from the server at `at`. */
export async function takeInventory(at: Endpoint): Promise<Inventory> {
  const client = await connect(at, 'postgres');
  let roles: string[];
  let names: string[];
  try {
    roles = (await column(client, ROLES)).map((r) => r[0]!);
    names = (await column(client, 'select datname from pg_database where datallowconn order by 1')).map((r) => r[0]!);
  } finally {
    await client.end().catch(() => undefined);
  }
  const databases: Record<string, DatabaseInventory> = {};
  for (const name of names) databases[name] = await databaseInventory(at, name);
  return { roles, databases };
}

function firstDifference(a: Record<string, string>, b: Record<string, string>): string | null {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] !== b[key]) return key;
  }
  return null;
}

/** Throws one line naming the first thing that differs between the old cluster and the new one. */
export function compareInventories(old: Inventory, neu: Inventory, majors: { from: number; to: number }): void {
  const fail = (what: string) => {
    throw new UserError(`the check of the new cluster failed: ${what}`);
  };
  const inOld = (x: boolean) => (x ? `in PostgreSQL ${majors.from} only` : `in PostgreSQL ${majors.to} only`);
  const role = firstDifference(
    Object.fromEntries(old.roles.map((r) => [r, r])),
    Object.fromEntries(neu.roles.map((r) => [r, r])),
  );
  if (role) fail(`role ${role.split(' ')[0]} (${role}) is ${inOld(old.roles.includes(role))}`);
  for (const name of new Set([...Object.keys(old.databases), ...Object.keys(neu.databases)])) {
    const a = old.databases[name];
    const b = neu.databases[name];
    if (!a || !b) fail(`database ${ident(name)} is ${inOld(Boolean(a))}`);
    const ext = firstDifference(
      Object.fromEntries(a!.extensions.map((e) => [e, e])),
      Object.fromEntries(b!.extensions.map((e) => [e, e])),
    );
    if (ext) fail(`extension ${ext} in database ${ident(name)} is ${inOld(a!.extensions.includes(ext))}`);
    const table = firstDifference(a!.rows, b!.rows);
    if (table) {
      fail(
        `table ${table} in database ${ident(name)} has ${a!.rows[table] ?? 'no'} rows in PostgreSQL ` +
          `${majors.from} and ${b!.rows[table] ?? 'no'} in ${majors.to}`,
      );
    }
    const seq = firstDifference(a!.sequences, b!.sequences);
    if (seq) {
      fail(
        `sequence ${seq} in database ${ident(name)} is at ${a!.sequences[seq] || 'its start'} in PostgreSQL ` +
          `${majors.from} and ${b!.sequences[seq] || 'its start'} in ${majors.to}`,
      );
    }
  }
}

/** "12 tables in 3 databases", for the summary line. */
export function inventorySize(inv: Inventory): string {
  const dbs = Object.values(inv.databases);
  const tables = dbs.reduce((n, d) => n + Object.keys(d.rows).length, 0);
  return `${tables} table${tables === 1 ? '' : 's'} in ${dbs.length} database${dbs.length === 1 ? '' : 's'}`;
}
