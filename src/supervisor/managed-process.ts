// One command, run through the shell in its own process group, stoppable as a whole group.

import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { describeExit, type ExitStatus } from '../util/exit-status.js';
import { trace } from '../util/trace.js';
import { groupAlive, signalGroup, waitGroupGone } from './process-group.js';

export type ProcessState = 'idle' | 'running' | 'stopping' | 'exited';

/** How long an exit waits for the last bytes in its pipes (held longer only by a process that left the group). */
const DRAIN_MS = 250;

/**
 * Resolves once `child`'s output pipes have ended, or after `maxMs`. Node may report the exit before it has
 * read what the process wrote last: its last lines explain the exit (status, `up -d`), so they come first.
 */
function drained(child: ChildProcess, maxMs: number): Promise<void> {
  // A pipe no one reads (readableFlowing null) never ends: nothing waits on it.
  const read = (s: Readable | null): s is Readable =>
    s !== null && s.readableFlowing !== null && !s.readableEnded && !s.destroyed;
  const open = [child.stdout, child.stderr].filter(read);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const timer = setTimeout(resolve, maxMs);
    const ended = () => {
      if (--left > 0) return;
      clearTimeout(timer);
      resolve();
    };
    for (const stream of open) stream.once('close', ended);
  });
}

/** An exit as the supervisor sees it: the status, and what it needs to decide about a restart. */
export interface ExitInfo extends ExitStatus {
  /** True when the exit followed our own stop()/kill(). */
  requested: boolean;
  /** How long the process ran, in ms. */
  runMs: number;
  /** Human-readable reason, e.g. "command not found (exit 127)". */
  description: string;
}

export interface ManagedProcessOptions {
  name: string;
  /** A shell command line, run as `<shell> -c <command>` like foreman does. */
  command: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Default /bin/sh. */
  shell?: string;
  /** Run as this user/group (when we are root and the command must not be). */
  uid?: number;
  gid?: number;
  /** Grace period for orphans left behind when the leader dies on its own. Default 5000 ms. */
  orphanGraceMs?: number;
  /** How long an exit waits for the output pipes to end (default DRAIN_MS). */
  drainMs?: number;
}

/** A start failure we can explain in one line (bad cwd, shell missing); `reason` says it without the name. */
export class ProcessStartError extends Error {
  constructor(
    readonly processName: string,
    readonly reason: string,
  ) {
    super(`${processName}: ${reason}`);
    this.name = 'ProcessStartError';
  }
}

/**
 * Events: "exit" (ExitInfo) once the leader has exited AND the whole group is gone.
 */
export class ManagedProcess extends EventEmitter {
  readonly name: string;
  private readonly opts: ManagedProcessOptions;
  private child: ChildProcess | undefined;
  private _state: ProcessState = 'idle';
  private _startedAt: Date | undefined;
  private requested = false;
  private _exited: Promise<ExitInfo> | undefined;
  private lastExit: ExitInfo | undefined;

  constructor(opts: ManagedProcessOptions) {
    super();
    this.name = opts.name;
    this.opts = opts;
  }

  get state(): ProcessState {
    return this._state;
  }
  /** Pid of the shell, which is also the process-group id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get startedAt(): Date | undefined {
    return this._startedAt;
  }
  get stdout(): Readable | null {
    return this.child?.stdout ?? null;
  }
  get stderr(): Readable | null {
    return this.child?.stderr ?? null;
  }
  get exitInfo(): ExitInfo | undefined {
    return this.lastExit;
  }
  /** Resolves with the exit info once the group is gone. */
  get exited(): Promise<ExitInfo> {
    if (!this._exited) throw new Error(`${this.name}: not started`);
    return this._exited;
  }

  /** Spawn the command. Resolves once the shell runs; rejects with ProcessStartError. */
  async start(): Promise<void> {
    if (this._state === 'running' || this._state === 'stopping') {
      throw new Error(`${this.name}: already running (pid ${this.pid})`);
    }
    const { cwd, command } = this.opts;
    // spawn() reports a missing cwd as "spawn /bin/sh ENOENT", which blames the shell: check first.
    let isDir = false;
    try {
      isDir = statSync(cwd).isDirectory();
    } catch {
      throw new ProcessStartError(this.name, `working directory ${cwd} does not exist`);
    }
    if (!isDir) throw new ProcessStartError(this.name, `working directory ${cwd} is not a directory`);

    const shell = this.opts.shell ?? '/bin/sh';
    this.requested = false;
    this.lastExit = undefined;
    // Plain child_process: we need detached + raw pipes and nothing else (no buffering, no cleanup
    // hooks, which would not cover a detached group anyway).
    const child = spawn(shell, ['-c', command], {
      cwd,
      env: this.opts.env ?? process.env,
      detached: true, // own process group, pgid = child.pid
      uid: this.opts.uid,
      gid: this.opts.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        reject(new ProcessStartError(this.name, `cannot run ${shell}: ${err.message}`));
      });
    });
    trace(`${this.name} spawned (pid ${child.pid})`);
    this._startedAt = new Date();
    this._state = 'running';
    this._exited = this.groupExit(child);
  }

  /** Settles once the leader has exited and the whole group is gone: only then is the exit reported. */
  private groupExit(child: ChildProcess): Promise<ExitInfo> {
    const pgid = child.pid!;
    const startedMs = Date.now();
    return new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        void (async () => {
          try {
            if (!this.requested && groupAlive(pgid)) await this.reapOrphans(pgid);
            await waitGroupGone(pgid);
          } catch {
            // e.g. EPERM on a member that changed user: we cannot do better than report the exit.
          }
          await drained(child, this.opts.drainMs ?? DRAIN_MS);
          const info: ExitInfo = {
            code,
            signal,
            requested: this.requested,
            runMs: Date.now() - startedMs,
            description: describeExit({ code, signal }),
          };
          this.lastExit = info;
          this._state = 'exited';
          this.emit('exit', info);
          resolve(info);
        })();
      });
    });
  }

  /**
   * SIGTERM the whole group, wait until every member is gone, SIGKILL the group after `graceMs`.
   * Resolves with the exit info; a no-op on a process that is not running.
   */
  async stop(graceMs = 5000): Promise<ExitInfo | undefined> {
    if (!this.child || this._state === 'idle') return undefined;
    if (this._state === 'exited') return this.lastExit;
    this.requested = true;
    this._state = 'stopping';
    const pgid = this.child.pid!;
    signalGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
    try {
      return await this._exited!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL the whole group at once and wait until it is gone. */
  async kill(): Promise<ExitInfo | undefined> {
    if (!this.child || this._state === 'idle') return undefined;
    if (this._state === 'exited') return this.lastExit;
    this.requested = true;
    this._state = 'stopping';
    signalGroup(this.child.pid!, 'SIGKILL');
    return this._exited!;
  }

  // The leader died by itself but left members behind (e.g. `server & exit 1`): they would hold
  // ports and overlap the next instance, so they go the same way a stop would.
  private async reapOrphans(pgid: number): Promise<void> {
    signalGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), this.opts.orphanGraceMs ?? 5000);
    try {
      await waitGroupGone(pgid);
    } finally {
      clearTimeout(timer);
    }
  }
}
