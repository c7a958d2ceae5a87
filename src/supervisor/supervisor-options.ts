// What a Supervisor is built with and how it is reconfigured.
import type { AppDefinition } from '../app-definition.js';
import type { BackoffOptions } from './backoff.js';
import type { DatabaseService } from './database-runner.js';
import type { LogOutput } from './log-output.js';
import type { ManagedProcess, ManagedProcessOptions } from './managed-process.js';

export interface ReconfigureOptions {
  /** Also restart the database (its settings changed): apps stop first and start after it is back. */
  restartDatabase?: boolean;
  /** New extra ignore patterns for the file watchers. Default: unchanged. */
  ignore?: string[];
}

export interface SupervisorOptions {
  /** Project root: default watch path and the .gitignore that applies. */
  root: string;
  database?: DatabaseService;
  /** Name the database's lines and status go under. Default "postgres". */
  databaseName?: string;
  apps: AppDefinition[];
  /** Default: a LogOutput on stdout without log files. */
  log?: LogOutput;
  /** File-event debounce. Default 100 ms. */
  debounceMs?: number;
  /** SIGTERM → SIGKILL grace on stop. Default 5000 ms. */
  graceMs?: number;
  /** Makes each app instance. Default: a ManagedProcess; tests give fakes. */
  spawnProcess?: (opts: ManagedProcessOptions) => ManagedProcess;
  /** How long an app without a ready probe must run to count as ready. Default GRACE_MS (300 ms). */
  readyGraceMs?: number;
  backoff?: BackoffOptions;
  /** Watch files at all. Default true. */
  watch?: boolean;
  /** Honour the root .gitignore in the watcher. Default true. */
  gitignore?: boolean;
  /** Extra gitignore-syntax patterns the watcher skips (devenv.json `watch.ignore`). */
  ignore?: string[];
  /**
   * Root-relative files the caller reloads itself (devenv.json, .env) and applies through
   * reconfigure(): the app watchers skip them, so an edit gives one restart with the new
   * configuration rather than an extra one with the old.
   */
  configFiles?: string[];
}
