import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../project/project.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { processGone } from '../util/liveness.js';

/** One supervised process as `devenv status` shows it. */
export interface ProcessStatus {
  name: string;
  pid: number | null;
  state: string;
  restarts: number;
  startedAt: string | null;
}

/** What a running `devenv up` publishes in .pgres/devenv/state/supervisor.json. */
export interface SupervisorState {
  pid: number;
  detached: boolean;
  startedAt: string;
  /** "starting" until postgres is ready and the apps started, then "running", "stopping". */
  phase: string;
  postgresPid: number | null;
  processes: ProcessStatus[];
}

export function stateFile(project: Project): string {
  return path.join(project.paths.state, 'supervisor.json');
}

export function writeState(project: Project, state: SupervisorState): void {
  writeFileAtomic(stateFile(project), `${JSON.stringify(state, null, 2)}\n`, { mkdir: true });
}

export function clearState(project: Project): void {
  rmSync(stateFile(project), { force: true });
}

/** Is this pid a live devenv supervisor (a node process running our CLI), not a reused pid? */
function isSupervisor(pid: number): boolean {
  if (processGone(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /devenv|dist\/(bundle\/)?main\.js/.test(cmdline);
  } catch {
    return process.platform !== 'linux';
  }
}

/** The state of a live supervisor of this project, or null (a stale file is ignored). */
export function readLiveState(project: Project): SupervisorState | null {
  let state: SupervisorState;
  try {
    state = JSON.parse(readFileSync(stateFile(project), 'utf8')) as SupervisorState;
  } catch {
    return null;
  }
  return state && typeof state.pid === 'number' && isSupervisor(state.pid) ? state : null;
}
