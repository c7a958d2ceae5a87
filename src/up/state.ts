// What a running `devenv up` tells other devenv commands: its pid, phase and processes, in
// .pgres/devenv/state/supervisor.json, republished as things change.
import { readFileSync } from 'node:fs';
import { platform } from '../platform/platform.js';
import type { ProjectPaths } from '../project/paths.js';
import { removeOwnFile, writeOwnFile } from '../project/pgres-files.js';
import type { ProcessStatus, Readiness } from '../supervisor/process-status.js';
import type { DiskFullNotice } from '../util/disk-space.js';
import { processGone } from '../util/liveness.js';
import { writeAppGroups } from './leftover-apps.js';

/** One supervised process as `devenv status` shows it: the supervisor's snapshot, less what it keeps to itself. */
export type PublishedProcess = Pick<ProcessStatus, 'name' | 'pid' | 'state' | 'restarts' | 'startedAt'> & {
  /** How its last instance ended ("exited with code 1: PANIC: … No space left on device"), if it has. */
  lastExit?: string | null;
  /** Apps: ready, waiting for what, or why the probe fails (see ProcessStatus.readiness). */
  readiness?: Readiness | null;
  /** Apps: the port devenv.json gives it. */
  port?: number | null;
  /** Apps, while failing: the last line it wrote. */
  lastLine?: string | null;
};

/** "starting" until postgres is ready and the apps started, then "running", "stopping". */
export type UpPhase = 'starting' | 'running' | 'stopping' | 'stopped';

export interface UpState {
  pid: number;
  detached: boolean;
  startedAt: string;
  phase: UpPhase;
  postgresPid: number | null;
  processes: PublishedProcess[];
}

function writeState(paths: ProjectPaths, state: UpState): void {
  writeOwnFile(paths.upState, `${JSON.stringify(state, null, 2)}\n`);
}

function clearState(paths: ProjectPaths): void {
  removeOwnFile(paths.upState);
}

/** Is this pid a live `devenv up` (a node process running our CLI), not a reused pid? */
function isUpProcess(pid: number): boolean {
  if (processGone(pid)) return false;
  return /devenv|dist\/(bundle\/)?main\.c?js/.test(platform().commandLine(pid) ?? '');
}

/** The state of a live `devenv up` of this project, or null (a stale file is ignored). */
export function readLiveState(paths: ProjectPaths): UpState | null {
  let state: UpState;
  try {
    state = JSON.parse(readFileSync(paths.upState, 'utf8')) as UpState;
  } catch {
    return null;
  }
  return state && typeof state.pid === 'number' && isUpProcess(state.pid) ? state : null;
}

/** Keeps the state file (and the app groups for recovery) in step with the supervisor of this `up`. */
export class StatePublisher {
  phase: UpPhase = 'starting';
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly paths: ProjectPaths,
    private readonly source: { status(): ProcessStatus[] },
    private readonly postgresPid: () => number | null,
    private readonly detached: boolean,
    /** Told when the state cannot be written (a full disk), and when it can again. */
    private readonly problems?: Pick<DiskFullNotice, 'failed' | 'recovered'>,
  ) {}

  /** Publish now, then at least once a second (uptimes, and anything an event did not cover). */
  start(): void {
    this.publish();
    this.timer = setInterval(() => this.publish(), 1000);
  }

  /** Never throws: a state that cannot be written (a full disk) stays as it was, and is said once. */
  publish(): void {
    try {
      this.write();
      this.problems?.recovered(this.paths.upState);
    } catch (err) {
      this.problems?.failed(this.paths.upState, err);
    }
  }

  private write(): void {
    const processes = this.source.status();
    writeState(this.paths, {
      pid: process.pid,
      detached: this.detached,
      startedAt: this.startedAt,
      phase: this.phase,
      postgresPid: this.postgresPid(),
      processes: processes.map(({ name, pid, state, restarts, startedAt, lastExit, readiness, port, lastLine }) => ({
        name,
        pid,
        state,
        restarts,
        startedAt,
        lastExit: lastExit?.description ?? null,
        readiness: readiness ?? null,
        port: port ?? null,
        lastLine: lastLine ?? null,
      })),
    });
    const groups = processes.filter((p) => p.kind === 'app' && p.pid !== null);
    writeAppGroups(
      this.paths,
      groups.map((p) => ({ name: p.name, pgid: p.pid as number })),
    );
  }

  /** The run is over: nothing is published any more, and nothing is left to recover. */
  stop(): void {
    clearInterval(this.timer);
    this.phase = 'stopped';
    try {
      clearState(this.paths);
    } catch {
      // removing needs no space; anything else leaves a state whose pid is gone, which readers ignore
    }
    writeAppGroups(this.paths, []);
  }
}
