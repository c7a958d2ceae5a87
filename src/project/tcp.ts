import path from 'node:path';
import type { Config } from './config.js';
import { PG_PORT, type ProjectPaths, shortHash, tcpPortFile } from './paths.js';
import { readClusterFile } from './pgres-files.js';
import { DATA_DIR } from './root.js';

/** The only addresses a project's server ever listens on (postgres.tcp). */
export const TCP_ADDRESSES = ['127.0.0.1', '::1'] as const;
/** Host in DATABASE_URL_TCP: an address, not `localhost`, so every client dials the same thing. */
export const TCP_HOST = '127.0.0.1';

/**
 * The port tried first by `postgres.tcp: true`: derived from the project path, so the shell hook can
 * name it before the server ever started; below the Linux ephemeral range (32768+), so outgoing
 * connections never hold it.
 */
export function preferredTcpPort(root: string): number {
  return 20000 + (Number.parseInt(shortHash(root, 8), 16) % 10000);
}

export function recordedTcpPort(root: string): number | null {
  const text = readClusterFile(path.join(root, DATA_DIR), tcpPortFile(root));
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
}

export interface TcpEndpoint {
  port: number;
  /** `postgres.tcp: true`: devenv picks the port (and records it); false when devenv.json names it. */
  picked: boolean;
}

/** The TCP endpoint the config asks for, or null (socket only). */
export function tcpEndpoint(config: Config, root: string): TcpEndpoint | null {
  const tcp = config.postgres.tcp;
  if (tcp === undefined || tcp === false) return null;
  if (typeof tcp === 'number') return { port: tcp, picked: false };
  return { port: recordedTcpPort(root) ?? preferredTcpPort(root), picked: true };
}

/**
 * postgres has one `port`: it numbers the TCP listener and names the socket file (.s.PGSQL.<port>),
 * so PGPORT follows the TCP port when there is one.
 */
export function serverPort(tcp: TcpEndpoint | null): number {
  return tcp ? tcp.port : PG_PORT;
}

export function readTcpPassword(paths: ProjectPaths): string | null {
  return readClusterFile(paths.pgdata, paths.tcpPassword)?.trim() || null;
}
