// provision-db.sql and provision-db.sh: the role, databases and extensions of the app on a server's
// own PostgreSQL, created only when missing, so the pair can run at every deploy.

import { singleQuote } from '../shell/posix-quote.js';
import { comment } from './comment.js';
import type { DeployModel } from './deploy-model.js';
import type { ExportFile } from './export-file.js';
import { nonContribExtensions } from './unmapped.js';

/** An SQL identifier, always quoted: names are used exactly as devenv.json spells them. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A connection string naming one database, for `psql -d` and `\connect`. Both take a database name
 * that holds `=` (or starts like a URI) as a connection string, so a name goes in as one, always:
 * `dbname=NAME`, the value quoted with \ and ' escaped unless it is plain.
 */
export function dbnameConninfo(db: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(db) ? `dbname=${db}` : `dbname='${db.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * An argument of \connect, which psql reads like an identifier: in "...", "" is a quote and nothing else
 * means anything (no variable, no backquote, no backslash escape); the quotes themselves are removed.
 */
function connectArg(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** psql's \gexec runs the statement only when the SELECT returns it. */
function createUnless(statement: string, exists: string): string {
  return `SELECT ${sqlLiteral(statement)}\nWHERE NOT EXISTS (${exists}) \\gexec`;
}

export function provisionSql(model: DeployModel): string {
  const { name, role, database } = model;
  const databases = [database, ...model.extraDatabases];
  const sql = (text: string) => comment(text, '-- ');
  const roleOrigin = model.roleFromConfig
    ? 'postgres.role in devenv.json'
    : `named like the ${model.role === database ? 'database' : 'app'}: devenv.json sets no postgres.role`;
  const lines = [
    `-- provision-db.sql: the PostgreSQL role and ${databases.length > 1 ? 'databases' : 'database'} of ${name}.`,
    ...sql(
      'Written by `devenv export systemd`. Safe to run again: it creates what is missing and changes nothing that ' +
        'exists. provision-db.sh runs it as the superuser; by hand:',
    ),
    '--   sudo -u postgres psql < provision-db.sql',
    '\\set ON_ERROR_STOP on',
    '',
    ...sql(
      `The app's role (${roleOrigin}). It may log in, nothing more: no superuser, no CREATEDB, no CREATEROLE. No ` +
        `password: its service runs as a system user of the same name, and peer authentication on the local socket ` +
        `accepts that.`,
    ),
    createUnless(`CREATE ROLE ${sqlIdent(role)} LOGIN`, `SELECT FROM pg_roles WHERE rolname = ${sqlLiteral(role)}`),
    '',
    ...sql(
      `The database, owned by the role so that the app's migrations can create tables. CREATE DATABASE cannot run in ` +
        `a transaction or a DO block: \\gexec runs the statement the SELECT returns, only when it is ` +
        'missing.' +
        (model.databaseFromConfig
          ? ''
          : ' (devenv.json sets no postgres.database: on the server it is named after the app.)'),
    ),
  ];
  const createDb = (db: string) =>
    createUnless(
      `CREATE DATABASE ${sqlIdent(db)} OWNER ${sqlIdent(role)}`,
      `SELECT FROM pg_database WHERE datname = ${sqlLiteral(db)}`,
    );
  lines.push(createDb(database));
  if (model.extraDatabases.length > 0) {
    lines.push('', ...sql('postgres.databases: delete those production does not need (a test database, say).'));
    for (const db of model.extraDatabases) lines.push(createDb(db));
  }
  if (model.extensions.length > 0) {
    lines.push('', ...sql('postgres.extensions, in each database (creating most extensions takes the superuser).'));
    for (const ext of nonContribExtensions(model)) {
      lines.push(...sql(`${ext} is not part of PostgreSQL's contrib: install its package on the server first.`));
    }
    for (const db of databases) {
      // -reuse-previous=on: the same socket and user, which a connection string would otherwise reset.
      lines.push(`\\connect -reuse-previous=on ${connectArg(dbnameConninfo(db))}`);
      for (const ext of model.extensions) lines.push(`CREATE EXTENSION IF NOT EXISTS ${sqlIdent(ext)};`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function provisionSh(model: DeployModel): string {
  const databases = [model.database, ...model.extraDatabases];
  const done =
    `role ${model.role} and ${databases.length > 1 ? 'databases' : 'database'} ${databases.join(', ')} ` +
    `are in place`;
  return [
    '#!/bin/sh',
    `# provision-db.sh: creates the PostgreSQL role and ${databases.length > 1 ? 'databases' : 'database'} of ` +
      `${model.name} on this server.`,
    ...comment('Written by `devenv export systemd`. Safe to run again (see provision-db.sql). As root or postgres:'),
    '#   sh provision-db.sh',
    'set -eu',
    'cd "$(dirname "$0")"',
    ...comment(
      'psql logs in as the superuser by peer authentication (it runs as the postgres system user) and reads the SQL ' +
        'from stdin, so that user needs no access to this directory.',
    ),
    "as_postgres=''",
    '[ "$(id -un)" = postgres ] || as_postgres=\'runuser -u postgres --\'',
    "PGOPTIONS='-c client_min_messages=warning' $as_postgres psql -X -q -d postgres -f - <provision-db.sql",
    // printf, not echo: dash's echo would read a backslash in a database name as an escape.
    `printf '%s\\n' ${singleQuote(`provision-db.sh: ${done}`)}`,
    '',
  ].join('\n');
}

export function provisionFiles(model: DeployModel): ExportFile[] {
  return [
    { name: 'provision-db.sql', content: provisionSql(model), mode: 0o644 },
    { name: 'provision-db.sh', content: provisionSh(model), mode: 0o755 },
  ];
}
