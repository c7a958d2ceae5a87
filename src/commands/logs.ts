import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { processLog } from '../project/paths.js';
import { openProject } from '../project/project.js';
import { FileTail } from '../util/tail-file.js';
import { stderr, stdout } from '../util/terminal.js';

/** Process logs in `dir`; not the background supervisor's own output (it repeats every other log). */
function logNames(dir: string, upLog: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log') && f !== path.basename(upLog))
      .map((f) => f.slice(0, -4))
      .sort((a, b) =>
        a === 'devenv' ? -1 : b === 'devenv' ? 1 : a === 'postgres' ? -1 : b === 'postgres' ? 1 : a.localeCompare(b),
      );
  } catch {
    return [];
  }
}

/** Bytes read from the end of a log for its last lines: enough for any sane -n, bounded for huge logs. */
const TAIL_BYTES = 4 << 20;

/** The last `n` lines of a file, reading only its end. */
function tailLines(file: string, n: number): string[] {
  if (n <= 0) return [];
  const size = statSync(file).size;
  const start = Math.max(0, size - TAIL_BYTES);
  const buf = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
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
  const known = logNames(dir, paths.upLog);
  const names = name ? [name] : known;
  if (name && !known.includes(name) && !(name === 'up' && existsSync(paths.upLog))) {
    const there = known.length ? ` (there are: ${known.join(', ')})` : ' (nothing has run yet: `devenv up`)';
    throw new UserError(`no log for "${name}" in ${dir}${there}`);
  }
  if (names.length === 0) {
    stderr.write(`no logs yet in ${dir}; they appear once \`devenv up\` has run\n`);
    return 0;
  }
  const width = Math.max(...names.map((x) => x.length));
  // A single named log prints raw lines; several get the same prefixes as `devenv up`.
  const show = (who: string, line: string) =>
    stdout.write(names.length > 1 ? `${who.padEnd(width)} | ${line}\n` : `${line}\n`);
  const file = (who: string) => (who === 'up' ? paths.upLog : processLog(paths, who));
  for (const who of names) for (const line of tailLines(file(who), n)) show(who, line);
  if (!opts.follow) return 0;
  const tails = names.map((who) => new FileTail(file(who), (line) => show(who, line)).start(200));
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
  });
  for (const t of tails) t.stop();
  return 0;
}
