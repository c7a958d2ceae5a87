// The running `devenv up`'s end of the control channel: a Unix socket only its user can connect to
// (mode 0600, in the 0700 cluster directory), serving one client at a time. What a request does is
// the session's business (control-session.ts); this is the transport: lines in, replies out, waits
// while a request runs, and the session's end when its client goes away, however it went.
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { errnoCode, errorMessage } from '../errors.js';
import {
  CONTROL_OPS,
  type ControlOp,
  type ControlRequest,
  nameList,
  type ProcessResult,
  parseLine,
  readLines,
  send,
  stringMap,
  WAIT_INTERVAL_MS,
} from './control-protocol.js';

/** Who is asking: the client's pid and what it is doing ("snapshot restore"). */
export interface ControlPeer {
  pid: number;
  purpose: string;
}

/** One client's requests, and what is undone when it goes away. */
export interface ControlSessionHandler {
  /** Done: resolves (with what a process op did to each process), or throws the client's answer. */
  request(req: ControlRequest): Promise<ProcessResult[] | undefined>;
  /** The client is gone (done, killed or cut off): undo whatever it left held. */
  end(): Promise<void>;
}

interface Connection {
  socket: Socket;
  peer: ControlPeer | null;
  session: ControlSessionHandler | null;
  /** The client's lines, handled one after another. */
  queue: Promise<void>;
}

export class ControlListener {
  private server: Server | null = null;
  private active: Connection | null = null;
  /** The last session's end, which close() waits for. */
  private ended: Promise<void> = Promise.resolve();
  /** The socket file we made (device and inode): only that one is removed at close. */
  private made: string | null = null;

  constructor(
    private readonly socketPath: string,
    private readonly openSession: (peer: ControlPeer) => ControlSessionHandler,
    private readonly say: (line: string) => void,
  ) {}

  /** Listen on the socket path. False (and said) when it cannot: `up` then runs without the channel. */
  async listen(): Promise<boolean> {
    // Its directory exists: the state dir holds our lock already; the fallbacks are /tmp and the runtime dir.
    if (!this.clearStale()) return false;
    const server = createServer((socket) => this.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // The socket is made by bind(), inside listen(): with this umask it is 0600 from the start.
        const umask = process.umask(0o177);
        try {
          server.listen(this.socketPath, () => resolve());
        } finally {
          process.umask(umask);
        }
      });
    } catch (err) {
      this.say(`control channel off: cannot listen on ${this.socketPath}: ${errorMessage(err)}`);
      return false;
    }
    server.on('error', (err) => this.say(`control channel: ${errorMessage(err)}`));
    this.server = server;
    this.made = identity(this.socketPath);
    return true;
  }

  /** Stop listening, cut the client off (its session ends as if it had gone), remove the socket. */
  async close(): Promise<void> {
    this.server?.close();
    this.server = null;
    this.active?.socket.destroy();
    await this.ended;
    if (this.made && identity(this.socketPath) === this.made) {
      try {
        unlinkSync(this.socketPath);
      } catch {
        // already gone
      }
    }
    this.made = null;
  }

  /** A socket left by a killed `up` (we hold the up lock, so none is live) goes; anything else is not ours. */
  private clearStale(): boolean {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(this.socketPath);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return true;
      throw err;
    }
    if (!st.isSocket() || st.uid !== process.getuid?.()) {
      this.say(`control channel off: ${this.socketPath} exists and is not a socket of ours; remove it`);
      return false;
    }
    unlinkSync(this.socketPath);
    return true;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined); // a client that vanishes mid-reply is handled by 'close'
    if (this.active) {
      const peer = this.active.peer;
      const who = peer ? `\`devenv ${peer.purpose}\` (pid ${peer.pid})` : 'another devenv command';
      const error = `devenv up is busy with a request from ${who}; try again once it is done`;
      send(socket, { ok: false, error, busy: true });
      socket.end();
      return;
    }
    const conn: Connection = { socket, peer: null, session: null, queue: Promise.resolve() };
    this.active = conn;
    readLines(
      socket,
      (line) => {
        conn.queue = conn.queue.then(() => this.handle(conn, line));
      },
      () => {
        send(socket, { ok: false, error: 'request too long' });
        socket.destroy();
      },
    );
    socket.on('close', () => {
      this.ended = conn.queue
        .then(() => conn.session?.end())
        .catch((err) => this.say(`control channel: ${errorMessage(err)}`))
        .finally(() => {
          if (this.active === conn) this.active = null;
        });
    });
  }

  private async handle(conn: Connection, line: string): Promise<void> {
    const { socket } = conn;
    if (socket.destroyed) return;
    const msg = parseLine(line);
    if (!conn.session) {
      const hello = msg?.hello as Partial<ControlPeer> | undefined;
      if (!hello || !Number.isInteger(hello.pid) || typeof hello.purpose !== 'string') {
        send(socket, { ok: false, error: 'expected a hello' });
        socket.destroy();
        return;
      }
      conn.peer = { pid: hello.pid!, purpose: hello.purpose.slice(0, 100) };
      conn.session = this.openSession(conn.peer);
      send(socket, { ok: true, pid: process.pid });
      return;
    }
    const op = msg?.op;
    const env = msg?.env === undefined ? undefined : stringMap(msg.env);
    const names = msg?.names === undefined ? undefined : nameList(msg.names);
    if (typeof op !== 'string' || !CONTROL_OPS.includes(op as ControlOp) || env === null || names === null) {
      send(socket, { ok: false, error: `not a request devenv up understands: ${line.slice(0, 200)}` });
      return;
    }
    const waiting = setInterval(() => send(socket, { wait: true }), WAIT_INTERVAL_MS);
    try {
      const results = await conn.session.request({
        op: op as ControlOp,
        ...(env ? { env } : {}),
        ...(names && { names }),
      });
      send(socket, { ok: true, pid: process.pid, ...(results && { results }) });
    } catch (err) {
      send(socket, { ok: false, error: errorMessage(err) });
    } finally {
      clearInterval(waiting);
    }
  }
}

function identity(file: string): string | null {
  try {
    const st = lstatSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}
