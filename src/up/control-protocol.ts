// What a running `devenv up` and another devenv command say to each other over the control socket:
// one JSON object per line. The client opens with a hello, then sends one request at a time; each is
// answered by exactly one reply, preceded by waits (one a second) while it is under way, so a client
// can tell an `up` that works slowly from one that hangs.
import type { Socket } from 'node:net';

/** The requests a running `up` understands: all the apps at once, postgres, or named processes. */
export type ControlOp =
  | 'stop-apps'
  | 'start-apps'
  | 'stop-postgres'
  | 'start-postgres'
  | 'restart-postgres'
  | ProcessOp;

/** `devenv start|stop|restart NAME...` (and `up NAME...` into a running `up`). */
export type ProcessOp = 'start-processes' | 'stop-processes' | 'restart-processes';

export const CONTROL_OPS: readonly ControlOp[] = [
  'stop-apps',
  'start-apps',
  'stop-postgres',
  'start-postgres',
  'restart-postgres',
  'start-processes',
  'stop-processes',
  'restart-processes',
];

export function isProcessOp(op: ControlOp): op is ProcessOp {
  return op.endsWith('-processes');
}

export interface Hello {
  hello: { pid: number; purpose: string };
}

export interface ControlRequest {
  op: ControlOp;
  /** start-apps: variables every app gets on top of the environment contract (replacing earlier ones). */
  env?: Record<string, string>;
  /** The process ops: which processes (restart-processes: none is every app). */
  names?: string[];
}

/** What a process op did to one process: one line for the user, and why it failed. */
export interface ProcessResult {
  name: string;
  /** Done as asked: stopped, or started (restarted) and ready or completed. */
  ok: boolean;
  /** "restarted, ready (pid 4242)", "stopped (it needs web)", "exited 1; restarting". */
  text: string;
  /** Its last lines of output, when it failed. */
  lastLines?: string[];
}

/** `busy`: another client has the channel (this one may try again shortly). */
export type ControlReply =
  | { ok: true; pid: number; results?: ProcessResult[] }
  | { ok: false; error: string; busy?: boolean }
  | { wait: true };

/** A reply's wait lines come this often while the request is under way. */
export const WAIT_INTERVAL_MS = 1000;
/** No line is longer: a client that sends more is not one of ours. */
export const MAX_LINE = 64 * 1024;

/** Calls `onLine` for each complete line received; `onOverflow` when a line is too long. */
export function readLines(socket: Socket, onLine: (line: string) => void, onOverflow: () => void): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
    if (buffer.length > MAX_LINE) {
      buffer = '';
      onOverflow();
    }
  });
}

export function send(socket: Socket, message: Hello | ControlRequest | ControlReply): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** A parsed line, or null when it is not a JSON object. */
export function parseLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Names a request may carry: strings, a few of them (they are checked against the processes later), or null. */
export function nameList(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > 100) return null;
  return value.every((v) => typeof v === 'string' && v.length <= 100) ? (value as string[]) : null;
}

/** A string-to-string map (the env of start-apps), or null. */
export function stringMap(value: unknown): Record<string, string> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.every(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof v === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : null;
}
