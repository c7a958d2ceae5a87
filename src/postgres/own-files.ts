import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Write one of devenv's own state files inside .pgres/devenv (tcp-port, tcp-password, setup-done,
 * provisioned): whole or not at all (temp file + rename).
 *
 * Root: this writes as the calling user, like settings.conf and the session files. .pgres belongs to
 * the account postgres runs as, so root writing through it is the case issue 9.2 redesigns; every
 * such write of the database workflow goes through here so that redesign has one place to change.
 */
export function writeOwnFile(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function removeOwnFile(file: string): void {
  rmSync(file, { force: true });
}
