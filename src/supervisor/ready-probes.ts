// One attempt of each kind of readiness probe (ProbeLoop repeats them): an HTTP GET on the app's port,
// a TCP connect, a shell command, and a line of the app's own output.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import type { ReadyCheck } from '../app-definition.js';
import { describeExit } from '../util/exit-status.js';
import { LineSplitter } from './line-splitter.js';
import type { ProbeAttempt } from './probe-loop.js';
import { groupAlive, signalGroup, waitGroupGone } from './process-group.js';

/**
 * Loopback, IPv4 first, then IPv6 when nothing listens there: a dev server may listen on either
 * (`localhost` resolves to one or the other, depending on /etc/hosts and the runtime).
 */
const HOSTS = ['127.0.0.1', '::1'];

/** Try `attempt` on each loopback address until one does not refuse the connection. */
function onLoopback(attempt: (host: string, signal: AbortSignal) => Promise<void>): ProbeAttempt {
  return async (signal) => {
    let refused: unknown;
    for (const host of HOSTS) {
      try {
        return await attempt(host, signal);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        refused ??= err;
      }
    }
    throw refused;
  };
}

/** Nothing listens at that address (or it does not exist here): the next one may do. */
class Refused extends Error {}

function connectError(what: string, err: NodeJS.ErrnoException): Error {
  const code = err.code;
  if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'ENETUNREACH') {
    return new Refused(`${what}: connection refused`);
  }
  return new Error(`${what}: ${err.name === 'AbortError' ? 'no answer in time' : (code ?? err.message)}`);
}

/** Ready when a GET answers with a status below 500 (a 404 still means it serves). */
export function httpAttempt(port: number, path: string): ProbeAttempt {
  return onLoopback(
    (host, signal) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host, port, path, method: 'GET', signal, agent: false }, (res) => {
          res.resume(); // the body is not ours to read
          const status = res.statusCode ?? 0;
          if (status < 500) resolve();
          else reject(new Error(`GET ${path}: ${status}`));
        });
        req.on('error', (err) => reject(connectError(`GET ${path}`, err)));
        req.end();
      }),
  );
}

/** Ready when something accepts a connection on the port. */
export function tcpAttempt(port: number): ProbeAttempt {
  return onLoopback(
    (host, signal) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port, signal });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', (err) => reject(connectError(`port ${port}`, err)));
      }),
  );
}

export interface CommandContext {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Ready when the command exits 0. It runs like the app (/bin/sh -c, the app's directory and
 * environment) in its own process group, which is killed whole when the attempt is given up on, and
 * whatever the command left behind in it goes too.
 */
export function commandAttempt(command: string, ctx: CommandContext): ProbeAttempt {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], {
        cwd: ctx.cwd,
        env: ctx.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let lastLine = '';
      const errors = new LineSplitter((l) => {
        if (l.trim()) lastLine = l.trim().slice(0, 200);
      });
      child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
      const kill = () => {
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
      };
      signal.addEventListener('abort', kill, { once: true });
      child.once('error', (err) => {
        signal.removeEventListener('abort', kill);
        reject(new Error(`${command}: ${err.message}`));
      });
      // 'exit', not 'close': a background child left holding stderr must not keep the attempt open.
      child.once('exit', (code, sig) => {
        signal.removeEventListener('abort', kill);
        void reap(child.pid!).then(() => {
          errors.end();
          if (code === 0) resolve();
          else
            reject(new Error(`${command}: ${describeExit({ code, signal: sig })}${lastLine ? `: ${lastLine}` : ''}`));
        });
      });
    });
}

/** Anything the probe command left running in its group goes with it. */
async function reap(pgid: number): Promise<void> {
  try {
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    await waitGroupGone(pgid);
  } catch {
    // a member we may not signal: nothing more we can do
  }
}

/**
 * Watches an instance's output for a line matching `pattern`. `onMatch` is called once; lines
 * from before the instance started do not count.
 */
export class LogMatch {
  private readonly re: RegExp;
  private readonly detach: (() => void)[] = [];
  private seen = false;

  constructor(
    pattern: string,
    private readonly onMatch: () => void,
  ) {
    this.re = new RegExp(pattern);
  }

  get matched(): boolean {
    return this.seen;
  }

  /** Read this stream too (stdout and stderr both count). */
  watch(stream: Readable): void {
    const splitter = new LineSplitter((line) => this.line(line));
    const onData = (chunk: Buffer) => splitter.push(chunk);
    stream.on('data', onData);
    this.detach.push(() => stream.off('data', onData));
  }

  /** For ProbeLoop: passes once a line has matched. */
  readonly attempt: ProbeAttempt = async () => {
    if (!this.seen) throw new Error(`no line matching /${this.re.source}/ yet`);
  };

  /** Stop reading (matched, or the instance is gone). */
  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private line(text: string): void {
    if (this.seen || !this.re.test(text)) return;
    this.seen = true;
    this.close(); // no per-line cost once ready
    this.onMatch();
  }
}

/** The attempt for a probe that is asked (http, tcp, command); a log probe is a LogMatch. */
export function probeAttempt(check: Exclude<ReadyCheck, { kind: 'log' }>, ctx: CommandContext): ProbeAttempt {
  switch (check.kind) {
    case 'http':
      return httpAttempt(check.port, check.path);
    case 'tcp':
      return tcpAttempt(check.port);
    case 'command':
      return commandAttempt(check.command, ctx);
  }
}
