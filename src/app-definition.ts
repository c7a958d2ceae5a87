// What an app is, for every layer: the project reads apps from devenv.json or a Procfile, `up`
// gives them their environment, the supervisor runs them. One type and one name rule for all.

export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** What a process waits for in another before it starts: spawned, ready (its probe passed), or exited 0. */
export type DependencyCondition = 'started' | 'ready' | 'completed';
export const DEPENDENCY_CONDITIONS: readonly DependencyCondition[] = ['started', 'ready', 'completed'];

/** How the supervisor tells that an app is ready (devenv.json `ready`, resolved: the http probe knows its port). */
export type ReadyCheck = (
  | { kind: 'http'; port: number; path: string }
  | { kind: 'tcp'; port: number }
  | { kind: 'command'; command: string }
  | { kind: 'log'; pattern: string }
) & {
  /** Longest wait between two attempts; they start 10 ms apart and grow to it. */
  intervalMs?: number;
  /** After this long without a pass the app counts as failed (probing goes on at intervalMs). */
  timeoutMs?: number;
};

/** One app process for `devenv up`. */
export interface AppDefinition {
  name: string;
  /** A shell command line, run as `/bin/sh -c <command>` like foreman does. */
  command: string;
  /** Absolute working directory. */
  cwd: string;
  /**
   * Its variables. As read from the project: only the app's own (devenv.json `env`, `PORT`); `up`
   * layers the whole environment under them before the supervisor gets the app. None: ours.
   */
  env?: NodeJS.ProcessEnv;
  /** The port it is given (devenv.json `port`, also in its env as PORT): shown by `devenv status`. */
  port?: number;
  /** Paths whose changes restart it (absolute, or relative to the project root). Default: the root. [] = none. */
  watch?: string[];
  /** Default "on-failure". */
  restart?: RestartPolicy;
  /** SIGTERM → SIGKILL grace on stop. Default: the supervisor's. */
  stopGraceMs?: number;
  /** Other apps (by name) and what this one waits for in each before it starts. */
  dependsOn?: Record<string, DependencyCondition>;
  /** Its readiness probe. None: ready once it has run for a short grace (see readiness-tracker.ts). */
  ready?: ReadyCheck;
}

/**
 * The process name rule. Names become log prefixes and log file names (`<name>.log`), so they stay
 * short and path-safe. devenv.schema.json spells the same pattern (a test keeps them equal).
 */
export const PROCESS_NAME = /^[A-Za-z0-9_-]{1,32}$/;
export const PROCESS_NAME_RULE = 'letters, digits, _ and -, at most 32';

export function isProcessName(name: string): boolean {
  return PROCESS_NAME.test(name);
}

/** Names devenv uses for its own lines and for the database: no app may take them. */
export const SELF_NAME = 'devenv';
export const DATABASE_NAME = 'postgres';
export const RESERVED_NAMES: readonly string[] = [SELF_NAME, DATABASE_NAME];
