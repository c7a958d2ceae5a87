// `up -d`: run `devenv up` as a background process (its own session, output to a log file) and
// return once postgres is ready and the apps started; if they cannot start, stop everything again
// and fail with the relevant log lines, of this run only.
import { spawn } from 'node:child_process';
import { closeSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { logLimits } from '../project/config.js';
import { processLog } from '../project/paths.js';
import { capOwnLog, openOwnLog } from '../project/pgres-files.js';
import type { Project } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { splitStamp } from '../supervisor/log-stamp.js';
import { openRegular } from '../util/no-follow.js';
import { ownNodeEnv } from '../util/node-env.js';
import type { Output } from '../util/output.js';
import { lastLines } from '../util/text.js';
import { DETACHED_ENV } from './app-env.js';
import { readLiveState } from './state.js';

export async function startDetached(project: Project, command: string[], out: Output): Promise<number> {
  // Create the cluster here, in the foreground: its errors and progress belong on this terminal,
  // and the log file below lives inside it.
  const { pg } = await ensureCluster(preparePostgres(project, checkNoInterruptedSwap), project, out);
  const { paths } = project;
  // up.log gets only what the background process prints outside its logs (a crash): bounded all the same.
  try {
    capOwnLog(paths.upLog, logLimits(project.config));
  } catch {
    // no room for the copy: it stays as it is, and is bounded at the next start
  }
  const fd = openOwnLog(paths.upLog);
  // Where each log ends now: a failure shows only what this run wrote.
  const marks = markLogs(paths.logs, paths.serverLog);
  const child = spawn(process.execPath, [process.argv[1]!, 'up', ...(command.length ? ['--', ...command] : [])], {
    cwd: project.root,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...ownNodeEnv(process.env), [DETACHED_ENV]: '1' },
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const pid = child.pid!;
  const gone = () => exited !== undefined;
  const until = Date.now() + 120000;
  while (Date.now() < until) {
    const state = readLiveState(paths);
    if (state && state.pid === pid && state.phase === 'running') {
      // An app that could not even be started (command not found, bad cwd) means "not up":
      // stop everything so a non-zero exit leaves nothing running behind a script.
      const broken = state.processes.filter((p) => p.state === 'failed' || p.state === 'crashed').map((p) => p.name);
      if (broken.length === 0) {
        // Said in its log only, but it matters now: commands that need the running `up` cannot reach it.
        for (const l of linesSince(marks, processLog(paths, 'devenv')))
          if (l.startsWith('control channel off')) out.notice(l);
        out.info(
          `devenv up is running in the background (pid ${pid}); \`devenv status\`, \`devenv logs -f\`, \`devenv down\``,
        );
        return 0;
      }
      // Only the lines about the broken apps: the shutdown that follows is noise here.
      const about = [
        ...linesSince(marks, processLog(paths, 'devenv')).filter(
          (l) => broken.some((name) => l.startsWith(`${name}:`)) && !/ started \(pid \d+\)/.test(l),
        ),
        ...broken.flatMap((name) => linesSince(marks, processLog(paths, name)).map((l) => `${name}: ${l}`)),
      ];
      await stopChild(pid, gone);
      const tail = lastLines(about.join('\n'), 4);
      throw new UserError(
        `devenv up -d: ${broken.join(', ')} could not start, so everything was stopped again: ${tail}`,
      );
    }
    if (gone()) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!gone()) await stopChild(pid, gone);
  // The background `up` ended on a line meant for the user (a failed setup, say): that line is ours.
  // It is the last thing it printed outside its logs (its stderr is up.log).
  const said = /^devenv: (?!internal error)(.*)$/.exec(linesSince(marks, paths.upLog).at(-1) ?? '');
  if (gone() && exited !== 0 && said) throw new UserError(said[1]!);
  const how = gone() ? ` (exit ${exited})` : ' (timed out)';
  const lines = failureLines(marks, project, pg.fs.account?.uid);
  throw new UserError(`devenv up did not start in the background${how}: ${lines}`);
}

/** What devenv said (less the shutdown that followed), what postgres said, and anything printed outside the logs. */
function failureLines(marks: Map<string, number>, { paths }: Project, serverOwner?: number): string {
  const ours = linesSince(marks, processLog(paths, 'devenv')).filter(
    (l) => !/^(shutting down|all processes stopped|SIGTERM: stopping)/.test(l),
  );
  // In the cluster: as root, read only while it is a regular file of the account's.
  const server = linesSince(marks, paths.serverLog, serverOwner).map((l) => `postgres: ${l}`);
  const printed = linesSince(marks, paths.upLog);
  return lastLines([...ours.slice(-2), ...server.slice(-4), ...printed.slice(-4)].join('\n'), 10);
}

/** SIGTERM the background `up` (it stops apps, then postgres) and wait until it has exited. */
async function stopChild(pid: number, gone: () => boolean): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 30000;
  while (!gone() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The size of every log in `dir`, and of postgres' own log, now (byte offsets). */
function markLogs(dir: string, serverLog: string): Map<string, number> {
  const marks = new Map<string, number>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // no logs yet
  }
  for (const name of names) if (name.endsWith('.log')) marks.set(path.join(dir, name), fileSize(path.join(dir, name)));
  marks.set(serverLog, fileSize(serverLog));
  return marks;
}

/** Bytes read at most from one log for a failure message. */
const SINCE_MAX = 64 * 1024;

/** The complete lines written to `file` since it was marked (all of it if it was rotated meanwhile). */
function linesSince(marks: Map<string, number>, file: string, owner?: number): string[] {
  const opened = openRegular(file, owner);
  if (!opened) return [];
  try {
    const size = opened.stat.size;
    let from = marks.get(file) ?? 0;
    if (size < from) from = 0;
    from = Math.max(from, size - SINCE_MAX);
    const buf = Buffer.alloc(size - from);
    const got = readSync(opened.fd, buf, 0, buf.length, from);
    // Without the time each of our lines begins with: these lines become the text of a message.
    return buf
      .subarray(0, got)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => splitStamp(l).text);
  } finally {
    closeSync(opened.fd);
  }
}
