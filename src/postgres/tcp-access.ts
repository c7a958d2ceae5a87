import { readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { preferredTcpPort, readTcpPassword, recordedTcpPort, TCP_ADDRESSES } from '../project/tcp.js';
import { hookCacheDir, projectHookDir } from '../shell/hook-cache.js';
import { nodeCrypto } from '../util/node-crypto.js';
import type { ClusterFs } from './cluster-fs.js';
import type { ServerSpec } from './server.js';

type BindResult = 'free' | 'in-use' | 'unavailable';

/** Can we listen on host:port right now? `unavailable`: the address does not exist here (no IPv6). */
function tryBind(host: string, port: number): Promise<BindResult> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? 'in-use' : 'unavailable'),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/** The addresses postgres can listen on at this port, or the one that is taken. */
async function probe(port: number): Promise<{ addresses: string[] } | { taken: string }> {
  const addresses: string[] = [];
  for (const host of TCP_ADDRESSES) {
    const r = await tryBind(host, port);
    if (r === 'in-use') return { taken: host };
    if (r === 'free') addresses.push(host);
  }
  // 127.0.0.1 is always there; without it nothing would listen at all.
  if (!addresses.includes('127.0.0.1')) return { taken: '127.0.0.1' };
  return { addresses };
}

/**
 * The shell hook names the port before the server ever ran (the preferred one): when the pick had
 * to take another, its cached answers are stale; removing their stamps makes every shell reload.
 */
function forgetHookAnswers(root: string): void {
  const dir = projectHookDir(hookCacheDir(), root);
  try {
    for (const name of readdirSync(dir)) if (name.startsWith('stamp.')) rmSync(`${dir}/${name}`, { force: true });
  } catch {
    // no cached answers
  }
}

/** `postgres.tcp: true`: the preferred port if free, else the next free one; recorded for good. */
async function pickPort(server: TcpServer, fs: ClusterFs): Promise<number> {
  const { root } = server.paths;
  const preferred = preferredTcpPort(root);
  for (let port = preferred; port < preferred + 200; port++) {
    if ('addresses' in (await probe(port))) {
      fs.write(server.paths.tcpPort, `${port}\n`);
      if (port !== server.port) forgetHookAnswers(root);
      return port;
    }
  }
  throw new UserError(
    `postgres.tcp: no free port found from ${preferred} to ${preferred + 199} on 127.0.0.1; name one in devenv.json ` +
      `("tcp": PORT)`,
  );
}

/** The project's TCP password, made (random, mode 0600) the first time it is needed. */
export function ensureTcpPassword(paths: ProjectPaths, fs: ClusterFs): string {
  const existing = readTcpPassword(paths);
  if (existing) return existing;
  fs.write(paths.tcpPassword, `${nodeCrypto().randomBytes(18).toString('base64url')}\n`, 0o600);
  return readTcpPassword(paths)!;
}

/** What TCP access is settled for: the server's paths, its port and postgres.tcp. */
type TcpServer = Pick<ServerSpec, 'paths' | 'port' | 'tcp'>;

export interface TcpListen {
  port: number;
  /** 127.0.0.1, and ::1 where this machine has IPv6. */
  addresses: string[];
}

/**
 * Before the server starts with postgres.tcp: settle the port (picked once for `true`), make sure
 * nothing else listens on it, and have a password ready. A taken port is one line, and postgres is
 * not started at all; with `socketOnly`, which is told that line, it starts on its socket alone (no
 * address: the port still names the socket file, so PGPORT and the URLs stay). Returns null when TCP
 * is off. A port picked now may differ from `server.port`: the caller's project follows it (atPort).
 */
export async function prepareTcp(
  server: TcpServer,
  fs: ClusterFs,
  socketOnly?: (problem: string) => void,
): Promise<TcpListen | null> {
  const { tcp, paths } = server;
  if (!tcp) return null;
  let port = tcp.port;
  if (tcp.picked && recordedTcpPort(paths.root) === null) port = await pickPort(server, fs);
  const r = await probe(port);
  if ('taken' in r) {
    const how = tcp.picked
      ? `it is the port devenv picked for this project (${paths.tcpPort}); stop that program, or set "tcp" ` +
        `in devenv.json to a free port`
      : 'stop that program, or set "tcp" in devenv.json to a free port (or true: devenv picks one)';
    const problem = `postgres.tcp: port ${port} on ${r.taken} is in use by another program`;
    if (!socketOnly) throw new UserError(`${problem}; ${how}`);
    socketOnly(
      `${problem}: this server listens on its socket only (TCP clients cannot connect until it restarts ` +
        `with the port free); ${how}`,
    );
    ensureTcpPassword(paths, fs);
    return { port, addresses: [] };
  }
  ensureTcpPassword(paths, fs);
  return { port, addresses: r.addresses };
}

/**
 * A SCRAM-SHA-256 secret for ALTER ROLE … PASSWORD (RFC 5802/7677, PostgreSQL's stored format):
 * the server stores it as is, so the plain password never reaches the server or its log.
 */
export function scramSecret(password: string, givenSalt?: Buffer, iterations = 4096): string {
  const { createHash, createHmac, pbkdf2Sync, randomBytes } = nodeCrypto();
  const salt = givenSalt ?? randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
