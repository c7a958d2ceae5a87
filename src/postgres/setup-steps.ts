import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatabaseError } from 'pg';
import { UserError } from '../errors.js';
import { childEnvironment } from '../project/child-env.js';
import type { SetupStep } from '../project/config.js';
import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import { connectSql, type SqlClient } from './sql-client.js';
import { lineOfPosition, ScriptError, type Statement, splitSql, transactionControl } from './sql-script.js';

/** One runnable step of postgres.setup: a .sql file (directories are expanded) or a shell command. */
export type ResolvedStep = { sql: string } | { command: string };

/** Set for command steps: a `devenv exec` inside one must not wait for the setup that runs it. */
export const IN_SETUP = 'PGRES_IN_SETUP';

const AGAIN = 'the setup runs again at the next init, up or exec, or now with `devenv setup`';

/** Check every entry before anything runs: a typo in the last entry should not leave half a setup. */
export function resolveSetup(project: Project): ResolvedStep[] {
  const steps: ResolvedStep[] = [];
  for (const entry of project.config.postgres.setup ?? ([] as SetupStep[])) {
    if (typeof entry !== 'string') {
      steps.push({ command: entry.command });
      continue;
    }
    const file = path.resolve(project.root, entry);
    let st: Stats;
    try {
      st = statSync(file);
    } catch {
      throw new UserError(`postgres.setup: ${entry} does not exist (paths are relative to ${project.root})`);
    }
    if (st.isDirectory()) {
      const names = readdirSync(file)
        .filter((n) => n.endsWith('.sql'))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const n of names) if (statSync(path.join(file, n)).isFile()) steps.push({ sql: path.join(file, n) });
    } else if (file.endsWith('.sql')) {
      steps.push({ sql: file });
    } else {
      throw new UserError(
        `postgres.setup: ${entry} is neither a .sql file nor a directory; run other files as a command step ` +
          `({"command": "./${entry}"})`,
      );
    }
  }
  return steps;
}

/** Run postgres.setup in order against the running server; the first failure stops it with one line. */
export async function runSetup(project: Project, out: Output): Promise<number> {
  const steps = resolveSetup(project);
  for (const step of steps) {
    if ('sql' in step) {
      const { count, ownTransactions } = await runSqlFile(project, step.sql);
      const own = ownTransactions ? '; it manages its own transactions' : '';
      out.info(`setup: ${path.relative(project.root, step.sql)} (${count} statement${count === 1 ? '' : 's'}${own})`);
    } else {
      await runCommand(project, step.command);
      out.info(`setup: ${step.command}`);
    }
  }
  return steps.length;
}

/**
 * One file, one transaction, stop at the first error (psql's -1 with ON_ERROR_STOP). A file with its own
 * BEGIN/COMMIT runs as written instead (psql -1 would have it commit ours midway), and a failure says
 * what stays. It runs as the app role when there is one, so what it creates belongs to the app, as
 * migrations do in production.
 */
export async function runSqlFile(project: Project, file: string): Promise<{ count: number; ownTransactions: boolean }> {
  const rel = path.relative(project.root, file);
  let statements: Statement[];
  try {
    statements = splitSql(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof ScriptError) throw new UserError(`setup: ${rel}:${err.line}: ${err.message}`);
    throw new UserError(`setup: cannot read ${rel}: ${(err as Error).message}`);
  }
  const own = transactionControl(statements);
  const client = await connectSql(project, { user: project.appUser });
  // Server notices (e.g. "already exists, skipping") are the file's business, not ours.
  client.on('notice', () => undefined);
  let current: Statement | null = null;
  try {
    if (!own) await client.query('BEGIN');
    for (const stmt of statements) {
      current = stmt;
      if (stmt.copyData !== undefined) await copyIn(client, stmt);
      else await client.query(stmt.sql);
    }
    current = null;
    if (!own) await client.query('COMMIT');
  } catch (err) {
    const line = current ? errorLine(current, err as DatabaseError) : null;
    // Ending the connection rolls back a transaction the file left open; what it committed stays.
    const undone = own
      ? `this file manages its own transactions (line ${own.line}): what it committed before the error stays`
      : 'this file was rolled back';
    throw new UserError(`setup: ${rel}${line ? `:${line}` : ''}: ${(err as Error).message} (${undone}; ${AGAIN})`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return { count: statements.length, ownTransactions: own !== null };
}

/** The file line of a failure: the server's position in the statement, or the COPY row it names. */
function errorLine(stmt: Statement, err: DatabaseError): number {
  const row = stmt.copyData !== undefined ? /\bCOPY [^,]*, line (\d+)/.exec(err.where ?? '') : null;
  if (row && stmt.copyLine) return stmt.copyLine + Number(row[1]) - 1;
  return lineOfPosition(stmt, err.position ? Number(err.position) : undefined);
}

/** COPY … FROM stdin with the rows that followed it in the file (pg_dump's plain format). */
async function copyIn(client: SqlClient, stmt: Statement): Promise<void> {
  // CommonJS: its exports are the default export once bundled.
  const mod = (await import('pg-copy-streams')) as typeof import('pg-copy-streams') & {
    default?: typeof import('pg-copy-streams');
  };
  const from = mod.default?.from ?? mod.from;
  const sink = client.query(from(stmt.sql));
  await pipeline(Readable.from([Buffer.from(stmt.copyData ?? '')]), sink);
}

/** A command step: the project environment (as apps get it), run from the project root. */
function runCommand(project: Project, command: string): Promise<void> {
  // The setup makes the main database; a branch database is a copy of it.
  const env = childEnvironment(project, { password: true, database: project.database, extra: { [IN_SETUP]: '1' } });
  return new Promise((resolve, reject) => {
    // Its output goes to our stderr: `devenv exec -- pg_dump > file` keeps stdout for the command.
    const child = spawn('/bin/sh', ['-c', command], { cwd: project.root, env, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => reject(new UserError(`setup: cannot run "${command}": ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new UserError(
            `setup: command "${command}" failed (${signal ? `signal ${signal}` : `exit ${code}`}; ${AGAIN})`,
          ),
        );
    });
  });
}
