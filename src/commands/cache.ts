// devenv cache list|fetch|rm: the PostgreSQL servers fetched into devenv's cache, shared by every project.
import kleur from 'kleur';
import { UserError } from '../errors.js';
import { fetchServer } from '../postgres/fetch-server.js';
import {
  checkNotRunning,
  type FetchedServer,
  fetchedStore,
  listFetched,
  removeFetched,
  runningFrom,
} from '../postgres/fetched-store.js';
import { normalizeVersion, parseVersion, satisfies, type WantedVersion } from '../project/postgres-version.js';
import { openProject } from '../project/project.js';
import { findProjectRoot } from '../project/root.js';
import { terminalOutput } from '../util/output.js';
import { stdout } from '../util/terminal.js';
import { formatBytes } from '../util/text.js';
import { treeBytes } from '../util/tree-size.js';

export async function list(opts: { json?: boolean }): Promise<number> {
  const servers = listFetched().map((s) => ({ ...s, sizeBytes: treeBytes(s.dir), runningPids: runningFrom(s) }));
  if (opts.json) {
    stdout.write(`${JSON.stringify({ store: fetchedStore(), servers }, null, 2)}\n`);
    return 0;
  }
  if (servers.length === 0) {
    stdout.write(`no fetched PostgreSQL servers in ${fetchedStore()} (\`devenv cache fetch 16\` fetches one)\n`);
    return 0;
  }
  for (const s of servers) {
    const used = s.runningPids.length ? kleur.green(` running (pid ${s.runningPids.join(', ')})`) : '';
    stdout.write(
      `${s.version.padEnd(7)} ${s.packageVersion.padEnd(18)} ${formatBytes(s.sizeBytes).padStart(9)}  ` +
        `${s.fetchedAt.slice(0, 10)}  ${s.dir}${used}\n`,
    );
  }
  return 0;
}

/** What to fetch: the version given, else the project's postgres.version. */
function wanted(version: string | undefined): WantedVersion {
  if (version !== undefined) {
    const text = normalizeVersion(version);
    if (text === null)
      throw new UserError(`"${version}" is not a PostgreSQL version; name a major ("16") or a minor ("16.10")`);
    return parseVersion(text)!;
  }
  const root = findProjectRoot(process.cwd());
  const text = root ? openProject(root).config.postgres.version : undefined;
  if (text === undefined) {
    throw new UserError(
      'name the PostgreSQL version to fetch (`devenv cache fetch 16`), or run it in a project with postgres.version',
    );
  }
  return parseVersion(text)!;
}

export async function fetch(version: string | undefined): Promise<number> {
  const out = terminalOutput();
  let fetched = false;
  const server = fetchServer(wanted(version), {
    asked: true,
    step: out.step,
    info: (line) => {
      fetched = true;
      out.info(line);
    },
  });
  if (!fetched) out.info(`PostgreSQL ${server.version} is here already (${server.dir})`);
  return 0;
}

/** `16` (every 16.x), `16.14`, or an exact package version (16.14.0-beta.17). */
function matching(version: string): FetchedServer[] {
  const servers = listFetched();
  const exact = servers.filter((s) => s.packageVersion === version);
  if (exact.length) return exact;
  const text = normalizeVersion(version);
  if (text === null) {
    throw new UserError(
      `"${version}" is not a PostgreSQL version; name a major ("16"), a minor ("16.10") or a package version ` +
        'as `devenv cache list` shows it',
    );
  }
  const want = parseVersion(text)!;
  return servers.filter((s) => satisfies(s.version, want));
}

export async function rm(version: string): Promise<number> {
  const out = terminalOutput();
  const servers = matching(version);
  if (servers.length === 0) {
    throw new UserError(`no fetched PostgreSQL ${version} in ${fetchedStore()} (see \`devenv cache list\`)`);
  }
  // All or nothing: none goes while any of them runs a server.
  for (const s of servers) checkNotRunning(s);
  for (const s of servers) {
    removeFetched(s);
    out.info(`removed PostgreSQL ${s.version} (${s.packageVersion}) from ${s.dir}`);
  }
  return 0;
}
