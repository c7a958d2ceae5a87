import { closeSync, existsSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_NAME } from '../app-definition.js';
import { UserError } from '../errors.js';
import { openClusterFs } from '../postgres/cluster-fs.js';
import { logToRead, type ProjectPaths } from '../project/paths.js';
import { openProject } from '../project/project.js';
import { diskSpace, FULL_BELOW_BYTES } from '../util/disk-space.js';
import { openRegular } from '../util/no-follow.js';
import { FileTail } from '../util/tail-file.js';
import { stderr, stdout } from '../util/terminal.js';
import { formatBytes } from '../util/text.js';

/**
 * Process logs in the logs dir, and postgres' own (as root it is in the cluster, not with ours); not the
 * background `up`'s own output (it repeats every other log).
 */
function logNames(paths: ProjectPaths): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.logs);
  } catch {
    // nothing has run yet
  }
  const server = logToRead(paths, DATABASE_NAME);
  if (path.dirname(server) !== paths.logs && existsSync(server)) names.push(path.basename(server));
  return names
    .filter((f) => f.endsWith('.log') && f !== path.basename(paths.upLog))
    .map((f) => f.slice(0, -4))
    .sort((a, b) =>
      a === 'devenv' ? -1 : b === 'devenv' ? 1 : a === 'postgres' ? -1 : b === 'postgres' ? 1 : a.localeCompare(b),
    );
}

/** Bytes read from the end of a log for its last lines: enough for any sane -n, bounded for huge logs. */
const TAIL_BYTES = 4 << 20;

/** The last `n` lines of a file, reading only its end (a regular file of `owner`'s, when given). */
function tailLines(file: string, n: number, owner?: number): string[] {
  if (n <= 0) return [];
  const opened = openRegular(file, owner);
  if (!opened) return [];
  const size = opened.stat.size;
  const start = Math.max(0, size - TAIL_BYTES);
  const buf = Buffer.alloc(size - start);
  try {
    readSync(opened.fd, buf, 0, buf.length, start);
  } finally {
    closeSync(opened.fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (start > 0) lines.shift(); // the first line was cut
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n);
}

export default async function logs(
  name: string | undefined,
  opts: { follow?: boolean; lines: string },
): Promise<number> {
  const project = openProject(process.cwd());
  const { paths } = project;
  const dir = paths.logs;
  const n = Number(opts.lines);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--lines must be a whole number, got "${opts.lines}"`);
  const known = logNames(paths);
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
  const width = Math.max(...names.map((x) => x.length));
  // A single named log prints raw lines; several get the same prefixes as `devenv up`.
  const show = (who: string, line: string) =>
    stdout.write(names.length > 1 ? `${who.padEnd(width)} | ${line}\n` : `${line}\n`);
  const file = (who: string) => (who === 'up' ? paths.upLog : logToRead(paths, who));
  // postgres' log is in the cluster: as root, the account's file, read only while it is one.
  const serverOwner = openClusterFs(project).account?.uid;
  const owner = (who: string) => (who === DATABASE_NAME ? serverOwner : undefined);
  for (const who of names) for (const line of tailLines(file(who), n, owner(who))) show(who, line);
  if (!opts.follow) return 0;
  const tails = names.map((who) =>
    new FileTail(file(who), (line) => show(who, line), { owner: owner(who) }).start(200),
  );
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
  });
  for (const t of tails) t.stop();
  return 0;
}
