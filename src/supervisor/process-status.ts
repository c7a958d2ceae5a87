// What the supervisor reports about the processes it runs: their states, and its events.
import type { ExitStatus } from '../util/exit-status.js';
import type { ExitInfo } from './managed-process.js';
import type { ReadyState } from './readiness-board.js';

export type SupervisedState =
  | 'pending' // not started yet
  | 'waiting' // for its dependencies, nothing running
  | 'starting'
  | 'running'
  | 'restarting' // stopping the old instance to start a new one
  | 'backoff' // crashed, waiting before the next attempt
  | 'stopping'
  | 'stopped' // stopped by us
  | 'exited' // exited 0 and stays down (policy)
  | 'crashed' // failed and stays down (policy)
  | 'failed'; // could not run (bad cwd, command not found); waits for a file change

/** One supervised process in the supervisor's snapshot. */
export interface ProcessStatus {
  name: string;
  kind: 'database' | 'app';
  pid: number | null;
  state: SupervisedState;
  restarts: number;
  /** ISO time of the current instance's start. */
  startedAt: string | null;
  lastExit: (ExitStatus & { description: string }) | null;
  /** Apps only: how far the current instance is, and why it waits or failed (see readiness-board.ts). */
  readiness?: Readiness;
  /** Apps only: the port it is given (`port` in devenv.json), if any. */
  port?: number | null;
  /** Apps only, while it fails (crashed, backing off, not ready in time): the last line it wrote. */
  lastLine?: string | null;
}

/** Where one app got to after a start or restart asked for by a control request (see AppStack.outcome). */
export interface ProcessOutcome {
  /** Ready, or completed (a task that exited 0): what was asked for is done. */
  ok: boolean;
  /** "ready", "completed", "exited 1; restarting", "not ready after 2 s: …", "waiting for migrate (exited 1)". */
  text: string;
  pid: number | null;
  /** Its last lines of output, when it failed (oldest first). */
  lastLines: string[];
}

export interface Readiness {
  state: ReadyState | 'waiting';
  /** One line for `devenv status`: "ready", "waiting for migrate (exited 1)", "failing probe: GET /health: 503". */
  text: string;
}

export interface RestartScheduled extends ExitStatus {
  name: string;
  delayMs: number;
  attempt: number;
}

/** The supervisor's events and their payloads. */
export interface SupervisorEvents {
  started: { name: string; pid: number };
  exit: { name: string } & ExitInfo;
  'restart-scheduled': RestartScheduled;
  change: { name: string; paths: string[] };
  'database-restarted': { restarts: number };
  /** An app's readiness changed (ready, failed, waiting…): see ReadinessBoard. */
  readiness: { name: string; state: ReadyState };
}

/** How a runner reports an event through the supervisor. */
export type Emit = <K extends keyof SupervisorEvents>(event: K, payload: SupervisorEvents[K]) => void;
