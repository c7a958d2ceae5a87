// `up -d`: run `devenv up` as a background process (its own session, output to a log file) and
// return once postgres is ready and every process it started is ready (or completed); if one fails
// first, stop everything again and fail with the relevant log lines, of this run only.
import { spawn } from 'node:child_process';
import { closeSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { logLimits } from '../project/config.js';
import type { ProjectPaths } from '../project/paths.js';
import { processLog } from '../project/paths.js';
import { capOwnLog, openOwnLog } from '../project/pgres-files.js';
import type { Project } from '../project/project.js';
import { checkNoInterruptedSwap } from '../snapshot/interrupted-swap.js';
import { splitStamp } from '../supervisor/log-stamp.js';
import { openRegular } from '../util/no-follow.js';
import { ownNodeEnv } from '../util/node-env.js';
import type { Output } from '../util/output.js';
import { lastLines, telltaleLines } from '../util/text.js';
import { DETACHED_ENV } from './app-env.js';
import { type PublishedProcess, readLiveState } from './state.js';

/**
 * `up -d`: the background `up` is started with the same words (`NAME...`, `-- CMD ARGS...`). Returns once
 * every process it started is ready or completed; when one fails first (it exits, cannot run, or misses its
 * probe's timeout), everything is stopped again and the failure is one line: its name, why, its last lines.
 */
export async function startDetached(project: Project, words: string[], out: Output): Promise<number> {
  // Create the cluster here, in the foreground: its errors and progress belong on this terminal,
  // and the log file below lives inside it.
  const { pg, refill } = await ensureCluster(preparePostgres(project, checkNoInterruptedSwap), project, out, {
    refillLater: true,
  });
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
  const child = spawn(process.execPath, [process.argv[1]!, 'up', ...words], {
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
  const ended = await untilStarted(paths, pid, gone, out);
  // The cache's refill, now that the background `up` has started (or failed to).
  refill?.();
  if (ended === 'ready') {
    // Said in its log only, but it matters now: commands that need the running `up` cannot reach it.
    for (const l of linesSince(marks, processLog(paths, 'devenv')))
      if (l.startsWith('control channel off')) out.notice(l);
    out.info(
      `devenv up is running in the background (pid ${pid}); \`devenv status\`, \`devenv logs -f\`, \`devenv down\``,
    );
    return 0;
  }
  if (ended !== 'gone' && ended !== 'timeout') {
    // A process that could not get ready means "not up": stop everything, so that a non-zero exit leaves
    // nothing running behind a script.
    await stopChild(pid, gone);
    const why = ended.map((p) => `${p.name}: ${failure(p)} (${lastLogLines(marks, paths, p.name)})`).join('; ');
    throw new UserError(`devenv up -d: ${why}; everything was stopped again`);
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

/** How long the background `up` may take to have postgres ready, provisioned and the apps started. */
const RUNNING_WITHIN_MS = 120000;
/** Between two looks at its state: a process that became ready is seen this soon. */
const POLL_MS = 10;
/** While processes are still on their way after this long, say (on a terminal) what they wait for. */
const PROGRESS_EVERY_MS = 5000;

/**
 * Follow the background `up`'s published state: 'ready' once every process it started is ready or
 * completed, the processes that failed first, or 'gone' (it ended) / 'timeout' (it never got running).
 */
async function untilStarted(
  paths: ProjectPaths,
  pid: number,
  gone: () => boolean,
  out: Output,
): Promise<'ready' | 'gone' | 'timeout' | PublishedProcess[]> {
  const until = Date.now() + RUNNING_WITHIN_MS;
  let progressAt = Date.now() + PROGRESS_EVERY_MS;
  for (;;) {
    const state = readLiveState(paths);
    if (state && state.pid === pid && state.phase === 'running') {
      const verdict = startVerdict(state.processes);
      if (verdict !== null) return verdict;
      if (Date.now() > progressAt) {
        progressAt = Date.now() + PROGRESS_EVERY_MS;
        out.step(`waiting for ${onTheirWay(state.processes)}`);
      }
    } else if (Date.now() > until) {
      return 'timeout';
    }
    if (gone()) return 'gone';
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The apps this run started (not those an `up NAME...` left out): the database and those never started are not. */
function started(processes: PublishedProcess[]): PublishedProcess[] {
  return processes.filter((p) => p.readiness && p.state !== 'pending');
}

const THERE: readonly string[] = ['ready', 'completed', 'stopped'];

/** 'ready' when every started app is there; the failed ones as soon as one is; null while they are on their way. */
export function startVerdict(processes: PublishedProcess[]): 'ready' | PublishedProcess[] | null {
  const apps = started(processes);
  // The board's word, not the runner's state: published with the exit (a crash's backoff is published a
  // moment before the readiness that says how it ended).
  const failed = apps.filter((p) => p.readiness!.state === 'failed');
  if (failed.length) return failed;
  return apps.every((p) => THERE.includes(p.readiness!.state)) ? 'ready' : null;
}

/** "exited 1", "not ready after 2 s: GET /health: connection refused" (a restart it was due is not: all stops). */
function failure(p: PublishedProcess): string {
  return p.readiness!.text.replace(/; restarting$/, '');
}

/** "web (failing probe: …), worker (waiting for web (…))". */
function onTheirWay(processes: PublishedProcess[]): string {
  return started(processes)
    .filter((p) => !THERE.includes(p.readiness!.state))
    .map((p) => `${p.name} (${p.readiness!.text})`)
    .join(', ');
}

/** The last lines `name` wrote in this run, for the one line that says why it failed. */
function lastLogLines(marks: Map<string, number>, paths: ProjectPaths, name: string): string {
  const lines = telltaleLines(linesSince(marks, processLog(paths, name)), 4);
  return lines.length ? `its last lines: ${lines.join(' | ')}` : 'it wrote nothing';
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
