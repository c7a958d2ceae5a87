// What an AppRunner is given by its supervisor: where its lines go, its timings, and the hooks through
// which the supervisor orders it among the other apps (dependencies, readiness, ordered restarts).
import type { AppDefinition } from '../app-definition.js';
import type { BackoffOptions } from './backoff.js';
import type { LogOutput } from './log-output.js';
import type { ExitInfo, ManagedProcess, ManagedProcessOptions } from './managed-process.js';
import type { Emit, SupervisedState } from './process-status.js';

export interface AppRunnerContext {
  log: LogOutput;
  /** A line under the supervisor's own name. */
  say: (line: string) => void;
  emit: Emit;
  /** SIGTERM → SIGKILL grace when the app sets none. */
  graceMs: number;
  /** File events less than this apart are one burst (see BurstGate). */
  debounceMs: number;
  backoff?: BackoffOptions;
  /** True while the apps are held down (the database restarts): a restart then only stops. */
  held: () => boolean;
  /** Holds each start back until the app's dependencies are there. None: start at once. */
  gate?: StartGate;
  /** Told of each instance's spawn, failed start and exit (readiness, output tail). */
  observer?: InstanceObserver;
  /** A file change asks for a restart through this (ordered with the other apps'). None: restart at once. */
  changed?: (name: string) => void;
  /** Makes each instance. Default: a ManagedProcess (tests put a fake in its place). */
  spawnProcess?: (opts: ManagedProcessOptions) => ManagedProcess;
}

export interface StartGate {
  /** May `name` start now? */
  open(name: string): boolean;
  /** Resolves once it may, the apps are held, or `signal` aborts. */
  wait(name: string, signal: AbortSignal): Promise<unknown>;
}

export interface InstanceObserver {
  spawned(app: AppDefinition, proc: ManagedProcess): void;
  startFailed(name: string, reason: string): void;
  /** `state`: what the runner made of the exit (backoff, exited, crashed, failed, stopped, …). */
  exited(name: string, info: ExitInfo, state: SupervisedState): void;
}
