import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureOwnDir, removeOwnFile, writeOwnFile } from '../project/pgres-files.js';
import type { Project } from '../project/project.js';
import { processGone, processStartTime } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import { withLock } from '../util/pid-lock.js';
import { ensureServer, type PreparedPostgres } from './prepare.js';
import { findRunningServer, stopServer } from './server.js';

/**
 * A server that `devenv psql` started for itself is shared with other psql sessions of the
 * project and stopped by the last one to end, unless `devenv up` has taken it over meanwhile.
 *
 * Joining (register, find or start the server, mark it), leaving (unregister, stop it if last)
 * and `up`'s take-over each run under one lock: otherwise a session could find the server in
 * the moment the last other session decides to stop it, and lose its connection.
 */
function sessionsDir(project: Project): string {
  return project.paths.sessions;
}

function markerFile(project: Project): string {
  return project.paths.sessionServer;
}

function lockFile(project: Project): string {
  return project.paths.serverLock;
}

/** Starting a server can take a while on a loaded machine; waiters wait for it rather than fail. */
const LOCK_WAIT_MS = 120000;

export function withServerLock<T>(project: Project, fn: () => Promise<T>): Promise<T> {
  ensureOwnDir(lockFile(project));
  return withLock(lockFile(project), fn, LOCK_WAIT_MS);
}

/** A session file holds its process's start time: a recycled pid is not a live session. */
export function liveSessions(project: Project): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(sessionsDir(project));
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => pid > 0 && pid !== process.pid && !processGone(pid))
    .filter((pid) => {
      try {
        const recorded = readFileSync(path.join(sessionsDir(project), String(pid)), 'utf8').trim();
        return recorded === '' || recorded === processStartTime(pid);
      } catch {
        return false;
      }
    });
}

/**
 * Register this process as a session and get a server for it (`start` finds or starts one; it
 * returns the pid when it started the server itself): all under the lock, so no session ending
 * meanwhile can stop the server we are about to use.
 */
export function joinSessions(project: Project, start: () => Promise<number | null>): Promise<void> {
  return withServerLock(project, async () => {
    writeOwnFile(path.join(sessionsDir(project), String(process.pid)), processStartTime(process.pid) ?? '');
    const started = await start();
    // We started it: the last session to end stops it.
    if (started !== null) writeOwnFile(markerFile(project), String(started));
  });
}

/** The pid recorded for the server psql sessions share (it may have stopped since), or null. */
export function markedSessionServer(project: Project): number | null {
  try {
    const pid = Number(readFileSync(markerFile(project), 'utf8'));
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A server started on the sessions' behalf (a snapshot restore restarting theirs). Call under withServerLock. */
export function markSessionServer(project: Project, pid: number): void {
  writeOwnFile(markerFile(project), String(pid));
}

/** `devenv up` uses the server from now on: no psql session may stop it. Call under withServerLock. */
export function claimServer(project: Project): void {
  removeOwnFile(markerFile(project));
}

/** End this session; stop the session server if we were the last one using it. */
export function leaveSessions(project: Project): Promise<void> {
  return withServerLock(project, async () => {
    removeOwnFile(path.join(sessionsDir(project), String(process.pid)));
    if (liveSessions(project).length > 0) return;
    let marked: number;
    try {
      marked = Number(readFileSync(markerFile(project), 'utf8'));
    } catch {
      return; // none, or `up` took it over
    }
    if (marked > 0 && findRunningServer(project) === marked) await stopServer(marked);
    removeOwnFile(markerFile(project));
  });
}

/**
 * Run `fn` (a client: psql, a command under `devenv exec`) with the project's server up: the
 * running one, or one started now and shared with concurrent sessions, stopped by the last.
 */
export async function withSessionServer<T>(pg: PreparedPostgres, out: Output, fn: () => Promise<T>): Promise<T> {
  try {
    await joinSessions(pg.project, async () => {
      // Detached: the terminal's Ctrl-C goes to the client, never to our temporary server.
      const server = await ensureServer(pg, out, { detached: true });
      if (!server.handle) return null;
      // Another session may outlive us and stop it later: don't let its handle keep us running.
      server.handle.child?.unref();
      return server.pid;
    });
    return await fn();
  } finally {
    await leaveSessions(pg.project);
  }
}
