import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import kleur from 'kleur';
import { DATABASE_NAME } from '../app-definition.js';
import { UserError } from '../errors.js';
import { openClusterFs } from '../postgres/cluster-fs.js';
import { logToRead, type ProjectPaths } from '../project/paths.js';
import { MergedFollow } from '../supervisor/log-follow.js';
import { selectLines } from '../supervisor/log-merge.js';
import { type LogEntry, type LogSource, readLogEnd } from '../supervisor/log-read.js';
import { LogView } from '../supervisor/log-view.js';
import { diskSpace, FULL_BELOW_BYTES } from '../util/disk-space.js';
import { terminalOutput } from '../util/output.js';
import { parseSince, SINCE_FORMS } from '../util/since.js';
import { stderr, stdout } from '../util/terminal.js';
import { formatBytes } from '../util/text.js';
import { openRunningProject } from './running-project.js';

/**
 * Process logs in the logs dir, and postgres' own (as root it is in the cluster, not with ours); not the
 * background `up`'s own output (it repeats every other log). devenv's first, then postgres', then
 * the apps in the order of the configuration: the order, and so the colours, `devenv up` gives them.
 */
function logNames(paths: ProjectPaths, apps: string[]): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.logs);
  } catch {
    // nothing has run yet
  }
  const server = logToRead(paths, DATABASE_NAME);
  if (path.dirname(server) !== paths.logs && existsSync(server)) names.push(path.basename(server));
  const rank = (n: string) => {
    const i = ['devenv', DATABASE_NAME, ...apps].indexOf(n);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  return names
    .filter((f) => f.endsWith('.log') && f !== path.basename(paths.upLog))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Bytes read from the end of each log (and its rotated files): enough for any sane -n, bounded for huge logs. */
const TAIL_BYTES = 4 << 20;

export interface LogsOptions {
  follow?: boolean;
  lines?: string;
  timestamps?: boolean;
  since?: string;
}

export default async function logs(name: string | undefined, opts: LogsOptions): Promise<number> {
  const { project } = openRunningProject(process.cwd(), 'showing the logs', terminalOutput().notice);
  const { paths } = project;
  const dir = paths.logs;
  const since = opts.since === undefined ? null : parseSince(opts.since, Date.now());
  if (opts.since !== undefined && since === null) {
    throw new UserError(`--since takes ${SINCE_FORMS}; got "${opts.since}"`);
  }
  // Without -n: the last 100 lines, or with --since all of them since then.
  const n = opts.lines === undefined ? (since === null ? 100 : Number.POSITIVE_INFINITY) : Number(opts.lines);
  if (opts.lines !== undefined && (!Number.isInteger(n) || n < 0)) {
    throw new UserError(`--lines must be a whole number, got "${opts.lines}"`);
  }
  const apps = Object.keys(project.config.processes ?? {});
  const known = logNames(paths, apps);
  const names = name ? [name] : known;
  if (name && !known.includes(name) && !(name === 'up' && existsSync(paths.upLog))) {
    const there = known.length ? ` (there are: ${known.join(', ')})` : ' (nothing has run yet: `devenv up`)';
    throw new UserError(`no log for "${name}" in ${dir}${there}`);
  }
  if (names.length === 0) {
    stderr.write(`no logs yet in ${dir}; they appear once \`devenv up\` has run\n`);
    return 0;
  }
  const space = diskSpace(dir);
  if (space && space.free < FULL_BELOW_BYTES) {
    stderr.write(
      `note: the filesystem at ${space.mount} is full (${formatBytes(space.free)} free): new log lines wait in ` +
        'memory (a little) or are counted as lost until there is space\n',
    );
  }
  // postgres' log is in the cluster: as root, the account's file, read only while it is one.
  const serverOwner = openClusterFs(project).account?.uid;
  const source = (who: string, index: number): LogSource => ({
    index,
    name: who,
    file: who === 'up' ? paths.upLog : logToRead(paths, who),
    owner: who === DATABASE_NAME ? serverOwner : undefined,
    writer: who === DATABASE_NAME ? 'postgres' : 'devenv',
  });
  const sources = names.map(source);
  // A single named log prints its lines as the process wrote them; several get the prefixes of `devenv up`.
  const view = new LogView({
    names: [...names],
    merged: !name,
    timestamps: opts.timestamps ?? false,
    color: kleur.enabled,
    devenvSource: name ? null : names.indexOf('devenv'),
  });
  const show = (e: LogEntry) => stdout.write(`${view.render(e)}\n`);
  // Followers first: the lines printed below end exactly where they begin.
  const follow = opts.follow ? new MergedFollow(show) : null;
  const upTo = sources.map((s) => follow?.add(s));
  if (n > 0) {
    const reads = sources.map((s, i) => readLogEnd(s, { lines: n, since, budget: TAIL_BYTES, upTo: upTo[i] }));
    printAll(selectLines(reads, { since, lines: n }).map((e) => view.render(e)));
  }
  if (!follow) return 0;
  follow.start();
  // A process added to the configuration meanwhile gets a log: followed from its first line.
  const discover = name
    ? null
    : setInterval(() => {
        for (const who of logNames(paths, apps)) {
          if (follow.has(who)) continue;
          const index = names.push(who) - 1;
          view.addName(index, who);
          follow.add(source(who, index), true);
        }
      }, 1000);
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
  });
  if (discover) clearInterval(discover);
  follow.stop();
  return 0;
}

/** Many lines in few writes (a log's end can be tens of thousands of lines). */
function printAll(lines: string[]): void {
  let text = '';
  for (const line of lines) {
    text += `${line}\n`;
    if (text.length >= 1 << 16) {
      stdout.write(text);
      text = '';
    }
  }
  if (text) stdout.write(text);
}
