// Running the user's own npm for a registry request: its registry, proxy, auth and cache settings (.npmrc,
// npm_config_*) apply as they would to an install, and npm checks the integrity of what it downloads.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type NpmResult = { ok: true; value: unknown } | { ok: false; code: string; summary: string };

/** Codes npm reports when it cannot reach the registry at all (as opposed to the registry saying no). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENOTCACHED',
  'FETCH_ERROR',
]);

export function isUnreachable(r: NpmResult): boolean {
  return !r.ok && UNREACHABLE.has(r.code);
}

/** The registry named in npm's error ("request to http://host/pkg failed"), when it names one. */
export function registryOf(summary: string): string | null {
  const m = /request to (\S+) failed/.exec(summary);
  if (!m) return null;
  try {
    return new URL(m[1]!).origin;
  } catch {
    return null;
  }
}

/** npm on PATH, else the one installed beside this node (a PATH without it: a service, a bare shell). */
function npmCommand(env: NodeJS.ProcessEnv): string | null {
  const dirs = [
    ...(env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d)),
    path.dirname(process.execPath),
  ];
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, 'npm'), constants.X_OK);
      return path.join(dir, 'npm');
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Run `npm <args> --json` and parse its answer. npm prints errors as JSON on stdout too
 * ({"error": {"code", "summary"}}). `code` is ENOENT when there is no npm at all.
 */
export function npmJson(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): NpmResult {
  const env = opts.env ?? process.env;
  const npm = npmCommand(env);
  if (!npm) return { ok: false, code: 'ENOENT', summary: 'npm is not installed (not on PATH, nor beside node)' };
  const r = spawnSync(npm, [...args, '--json'], {
    cwd: opts.cwd ?? process.cwd(),
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
  if (r.error) return { ok: false, code: String((r.error as NodeJS.ErrnoException).code), summary: r.error.message };
  let value: unknown = null;
  try {
    value = JSON.parse(r.stdout || 'null');
  } catch {
    // not JSON: said below from stderr
  }
  const error = (value as { error?: { code?: unknown; summary?: unknown } } | null)?.error;
  if (r.status === 0 && !error) return { ok: true, value };
  const lastLine = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  return {
    ok: false,
    code: typeof error?.code === 'string' ? error.code : `exit ${r.status ?? r.signal}`,
    summary: typeof error?.summary === 'string' ? error.summary.split('\n')[0]! : lastLine,
  };
}
