import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProjectPaths } from '../project/paths.js';
import { ensureOwnDir, removeOwnFile, writeOwnFile } from '../project/pgres-files.js';
import { atPort, type Project } from '../project/project.js';
import { processGone, processStartTime, sameProcess } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import { withLock } from '../util/pid-lock.js';
import { ensureServer, type PreparedPostgres, serverSpec } from './prepare.js';
import { findRunningServer, stopServer } from './server.js';

/**
 * A server that `devenv psql` started for itself is shared with other psql sessions of the
 * project and stopped by the last one to end, unless `devenv up` has taken it over meanwhile.
 *
 * Joining (register, find or start the server, mark it), leaving (unregister, stop it if last)
 * and `up`'s take-over each run under one lock: otherwise a session could find the server in
 * the moment the last other session decides to stop it, and lose its connection.
 */
/** Starting a server can take a while on a loaded machine; waiters wait for it rather than fail. */
const LOCK_WAIT_MS = 120000;

export function withServerLock<T>(paths: ProjectPaths, fn: () => Promise<T>): Promise<T> {
  ensureOwnDir(paths.serverLock);
  return withLock(paths.serverLock, fn, LOCK_WAIT_MS);
}

/** A session file holds its process's start time: a recycled pid is not a live session. */
export function liveSessions(paths: ProjectPaths): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.sessions);
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => pid > 0 && pid !== process.pid && !processGone(pid))
    .filter((pid) => {
      try {
        const recorded = readFileSync(path.join(paths.sessions, String(pid)), 'utf8').trim();
        return recorded === '' || sameProcess(pid, recorded) !== false;
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
export function joinSessions(paths: ProjectPaths, start: () => Promise<number | null>): Promise<void> {
  return withServerLock(paths, async () => {
    writeOwnFile(path.join(paths.sessions, String(process.pid)), processStartTime(process.pid) ?? '');
    const started = await start();
    // We started it: the last session to end stops it.
    if (started !== null) writeOwnFile(paths.sessionServer, String(started));
  });
}

/** The pid recorded for the server psql sessions share (it may have stopped since), or null. */
export function markedSessionServer(paths: ProjectPaths): number | null {
  try {
    const pid = Number(readFileSync(paths.sessionServer, 'utf8'));
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A server started on the sessions' behalf (a snapshot restore restarting theirs). Call under withServerLock. */
export function markSessionServer(paths: ProjectPaths, pid: number): void {
  writeOwnFile(paths.sessionServer, String(pid));
}

/** `devenv up` uses the server from now on: no psql session may stop it. Call under withServerLock. */
export function claimServer(paths: ProjectPaths): void {
  removeOwnFile(paths.sessionServer);
}

/** Session files whose process is gone (a session killed with SIGKILL never removes its own). */
function deadSessions(paths: ProjectPaths): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.sessions);
  } catch {
    return [];
  }
  const live = new Set(liveSessions(paths));
  return names.map(Number).filter((pid) => pid > 0 && pid !== process.pid && !live.has(pid));
}

/** The server sessions started, still running with none of them left (the last was killed), or null. */
function orphanedSessionServer(paths: ProjectPaths): { server: number; sessions: number[] } | null {
  const marked = markedSessionServer(paths);
  if (marked === null || liveSessions(paths).length > 0) return null;
  try {
    if (findRunningServer(paths.pgdata) !== marked) return null;
  } catch {
    return null; // another user's server: not ours to stop
  }
  return { server: marked, sessions: deadSessions(paths) };
}

/**
 * A `devenv psql` or `exec` killed with SIGKILL never stops the server it started when it was the last
 * session: stop it now, saying so, and forget the dead sessions. Cheap (one file) when there is none.
 */
export async function stopOrphanedSessionServer(paths: ProjectPaths, say: (line: string) => void): Promise<boolean> {
  if (!orphanedSessionServer(paths)) return false;
  return withServerLock(paths, async () => {
    // Again under the lock: a session may have joined meanwhile, and keeps it.
    const orphan = orphanedSessionServer(paths);
    if (!orphan) return false;
    const who = orphan.sessions.length ? ` (pid ${orphan.sessions.join(', ')})` : '';
    say(
      `the server (pid ${orphan.server}) of a \`devenv psql\` or \`exec\` that was killed${who} ` +
        'was still running: stopping it',
    );
    await stopServer(orphan.server);
    removeOwnFile(paths.sessionServer);
    for (const pid of orphan.sessions) removeOwnFile(path.join(paths.sessions, String(pid)));
    return true;
  });
}

/** End this session; stop the session server if we were the last one using it. */
export function leaveSessions(paths: ProjectPaths): Promise<void> {
  return withServerLock(paths, async () => {
    removeOwnFile(path.join(paths.sessions, String(process.pid)));
    if (liveSessions(paths).length > 0) return;
    let marked: number;
    try {
      marked = Number(readFileSync(paths.sessionServer, 'utf8'));
    } catch {
      return; // none, or `up` took it over
    }
    if (marked > 0 && findRunningServer(paths.pgdata) === marked) await stopServer(marked);
    removeOwnFile(paths.sessionServer);
  });
}

/**
 * Run `fn` (a client: psql, a command under `devenv exec`) with the project's server up: the running
 * one, or one started now and shared with concurrent sessions, stopped by the last. `fn` gets the
 * project as the server runs it (a port picked at this start changes PGPORT and the URLs).
 */
export async function withSessionServer<T>(
  pg: PreparedPostgres,
  project: Project,
  out: Output,
  fn: (running: Project) => Promise<T>,
): Promise<T> {
  let running = project;
  // Started for sessions that are all gone: this one starts its own, with the settings of now.
  await stopOrphanedSessionServer(project.paths, out.notice);
  try {
    await joinSessions(project.paths, async () => {
      // Detached: the terminal's Ctrl-C goes to the client, never to our temporary server. Clients here
      // use the socket: a TCP port another program holds is said, not in their way.
      const server = await ensureServer(pg, serverSpec(project), out, { detached: true, socketOnlyIfTaken: true });
      running = atPort(project, server.port);
      if (!server.handle) return null;
      // Another session may outlive us and stop it later: don't let its handle keep us running.
      server.handle.child?.unref();
      return server.pid;
    });
    return await fn(running);
  } finally {
    await leaveSessions(project.paths);
  }
}
