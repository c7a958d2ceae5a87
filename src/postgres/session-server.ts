import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../project/project.js';
import { processGone } from '../util/liveness.js';
import { findRunningServer, stopServer } from './server.js';

/**
 * A server that `devenv psql` started for itself is shared with other psql sessions of the
 * project and stopped by the last one to end, unless `devenv up` has taken it over meanwhile.
 */
function sessionsDir(project: Project): string {
  return path.join(project.paths.state, 'psql-sessions');
}

function markerFile(project: Project): string {
  return path.join(project.paths.state, 'session-server');
}

/** Pids of the psql sessions (other than us) registered on this project. */
export function liveSessions(project: Project): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(sessionsDir(project));
  } catch {
    return [];
  }
  return names.map(Number).filter((pid) => pid > 0 && pid !== process.pid && !processGone(pid));
}

/** Register this process as a session before it looks for a server, so a session ending meanwhile sees it. */
export function joinSessions(project: Project): void {
  mkdirSync(sessionsDir(project), { recursive: true });
  writeFileSync(path.join(sessionsDir(project), String(process.pid)), '');
}

/** The server this session started is a session server: the last session stops it. */
export function markSessionServer(project: Project, pid: number): void {
  writeFileSync(markerFile(project), String(pid));
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

/** `devenv up` uses the server from now on: no psql session may stop it. */
export function claimServer(project: Project): void {
  rmSync(markerFile(project), { force: true });
}

/** End this session; stop the session server if we were the last one using it. */
export async function leaveSessions(project: Project): Promise<void> {
  rmSync(path.join(sessionsDir(project), String(process.pid)), { force: true });
  if (liveSessions(project).length > 0) return;
  let marked: number;
  try {
    marked = Number(readFileSync(markerFile(project), 'utf8'));
  } catch {
    return; // none, or `up` took it over
  }
  if (marked > 0 && findRunningServer(project) === marked) await stopServer(marked);
  rmSync(markerFile(project), { force: true });
}
