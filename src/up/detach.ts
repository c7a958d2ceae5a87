// `up -d`: run the supervisor as a background process (its own session, output to a log file) and
// return once postgres is ready and the apps started; if they cannot start, stop everything again
// and fail with the relevant log lines.
import { spawn } from 'node:child_process';
import { closeSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { ensureCluster, preparePostgres } from '../postgres/prepare.js';
import { openOwnLog } from '../project/pgres-files.js';
import type { Project } from '../project/project.js';
import { ownNodeEnv } from '../util/node-env.js';
import type { Output } from '../util/output.js';
import { lastLines } from '../util/text.js';
import { DETACHED_ENV } from './app-env.js';
import { readLiveState } from './state.js';

export async function startDetached(project: Project, command: string[], out: Output): Promise<number> {
  // Create the cluster here, in the foreground: its errors and progress belong on this terminal,
  // and the log file below lives inside it.
  await ensureCluster(preparePostgres(project), out);
  const logFile = project.paths.upLog;
  const fd = openOwnLog(logFile);
  const startOffset = fileSize(logFile);
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
    const state = readLiveState(project);
    if (state && state.pid === pid && state.phase === 'running') {
      // An app that could not even be started (command not found, bad cwd) means "not up":
      // stop everything so a non-zero exit leaves nothing running behind a script.
      const broken = state.processes.filter((p) => p.state === 'failed' || p.state === 'crashed').map((p) => p.name);
      if (broken.length === 0) {
        out.info(
          `devenv up is running in the background (pid ${pid}); \`devenv status\`, \`devenv logs -f\`, \`devenv down\``,
        );
        return 0;
      }
      // Only the lines about the broken apps: the shutdown that follows is noise here.
      const about = logSince(logFile, startOffset)
        .split('\n')
        .filter((l) => broken.some((name) => l.includes(name)));
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
  const tail = lastLines(logSince(logFile, startOffset), 8);
  const how = gone() ? ` (exit ${exited})` : ' (timed out)';
  throw new UserError(`devenv up did not start in the background${how}: ${tail}`);
}

/** SIGTERM the background supervisor (it stops apps, then postgres) and wait until it has exited. */
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

/** What the background supervisor wrote to its log since `offset` (a byte offset). */
function logSince(file: string, offset: number): string {
  return readFileSync(file).subarray(offset).toString('utf8');
}
