// Another devenv command's end of the control channel: ask the running `devenv up` of this project to
// stop its apps, start them again (with a new environment), stop, start or restart postgres, or start,
// stop or restart named processes. Every way it can fail is one line: no `up` answers, another command
// is using it, it hangs, it ended.
import { lstatSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { errnoCode, UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { processGone } from '../util/liveness.js';
import {
  type ControlOp,
  type ControlReply,
  type ControlRequest,
  type ProcessOp,
  type ProcessResult,
  parseLine,
  readLines,
  send,
  WAIT_INTERVAL_MS,
} from './control-protocol.js';
import { readLiveState } from './state.js';

/** The hello must come back this fast: a running `up` answers it at once unless it hangs. */
const HELLO_TIMEOUT_MS = 5000;
/** A request is under way as long as its waits keep coming. */
const SILENCE_TIMEOUT_MS = 10 * WAIT_INTERVAL_MS;
/** How long a client waits for an `up` that is still starting. */
const STARTING_WAIT_MS = 120000;
/** A client that has just finished may still be winding down: a busy channel is tried again this long. */
const BUSY_WAIT_MS = 3000;

/** Another client has the channel. */
class BusyError extends UserError {}

const WHAT: Record<ControlOp, string> = {
  'stop-apps': 'stopping its apps',
  'start-apps': 'starting its apps',
  'stop-postgres': 'stopping postgres',
  'start-postgres': 'starting postgres',
  'restart-postgres': 'restarting postgres',
  'start-processes': 'starting processes',
  'stop-processes': 'stopping processes',
  'restart-processes': 'restarting processes',
};

export class UpControl {
  private pending: { resolve: (r: ControlReply) => void; reject: (e: Error) => void } | null = null;
  /** What the last process op did to each process. */
  private results: ProcessResult[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    /** The pid of the `devenv up` process. */
    readonly pid: number,
  ) {
    readLines(
      socket,
      (line) => this.received(line),
      () => socket.destroy(),
    );
    socket.on('error', () => undefined); // 'close' follows, and says what matters
    socket.on('close', () => {
      this.closed = true;
      this.pending?.reject(new Error('closed'));
    });
  }

  /**
   * Connect to the running `devenv up` of this project; null when none runs. `purpose` names us in
   * its log ("snapshot restore").
   */
  static async connect(paths: ProjectPaths, purpose: string): Promise<UpControl | null> {
    const state = await runningState(paths);
    if (!state) return null;
    const { pid } = state;
    const path = paths.controlSocket;
    const until = Date.now() + BUSY_WAIT_MS;
    for (;;) {
      checkSocket(path, pid);
      let socket: Socket;
      try {
        socket = await open(path);
      } catch (err) {
        if (processGone(pid)) return null; // it ended just now
        throw new UserError(
          `devenv up (pid ${pid}) does not accept requests on ${path} (${errnoCode(err) ?? err}); ` +
            'restart it (`devenv down`, then `devenv up`)',
        );
      }
      const client = new UpControl(socket, pid);
      send(socket, { hello: { pid: process.pid, purpose } });
      try {
        await client.reply(`devenv up (pid ${pid}) does not answer`, HELLO_TIMEOUT_MS);
        return client;
      } catch (err) {
        if (!(err instanceof BusyError) || Date.now() > until) throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stopApps(): Promise<void> {
    return this.request({ op: 'stop-apps' });
  }

  /** `env`: variables every app gets on top of the environment contract, replacing earlier ones. */
  startApps(env?: Record<string, string>): Promise<void> {
    return this.request({ op: 'start-apps', ...(env ? { env } : {}) });
  }

  /** Only while the apps are stopped; no crash recovery brings postgres back until startPostgres(). */
  stopPostgres(): Promise<void> {
    return this.request({ op: 'stop-postgres' });
  }

  startPostgres(): Promise<void> {
    return this.request({ op: 'start-postgres' });
  }

  /**
   * Start, stop or restart these processes (restart: none is every app); resolves once each started one
   * is ready or completed, or cannot be, with one result per process.
   */
  async processes(op: ProcessOp, names: string[]): Promise<ProcessResult[]> {
    await this.request({ op, names });
    return this.results;
  }

  /** Done: whatever is still held (apps, postgres) is started again by `up`. */
  close(): void {
    this.socket.end();
  }

  /** Any request the running `up` understands (the methods above name the ones devenv's commands send). */
  async request(req: ControlRequest): Promise<void> {
    if (this.closed) throw new UserError(`devenv up (pid ${this.pid}) closed the control channel`);
    send(this.socket, req);
    await this.reply(`devenv up (pid ${this.pid}) stopped answering while ${WHAT[req.op]}`, SILENCE_TIMEOUT_MS);
  }

  /** The next reply; waits reset the silence timer. */
  private reply(silent: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(this.timer);
        this.pending = null;
        this.socket.destroy();
        reject(new UserError(message));
      };
      const arm = () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => fail(`${silent} (is it hung? \`devenv down\` stops it)`), timeoutMs);
      };
      this.pending = {
        resolve: (r) => {
          if ('wait' in r) return arm();
          clearTimeout(this.timer);
          this.pending = null;
          this.results = r.ok ? (r.results ?? []) : [];
          if (r.ok) resolve();
          else reject(r.busy ? new BusyError(r.error) : new UserError(r.error));
        },
        reject: () =>
          fail(
            processGone(this.pid)
              ? `devenv up (pid ${this.pid}) ended before it answered`
              : `devenv up (pid ${this.pid}) closed the control channel`,
          ),
      };
      arm();
    });
  }

  private received(line: string): void {
    const msg = parseLine(line) as ControlReply | null;
    if (msg && ('wait' in msg || 'ok' in msg)) this.pending?.resolve(msg);
  }
}

/** The live `up`'s state, once it is past starting; null when none runs. */
async function runningState(paths: ProjectPaths): Promise<{ pid: number } | null> {
  const until = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    const state = readLiveState(paths);
    if (!state || state.phase === 'stopped') return null;
    if (state.phase === 'stopping') {
      throw new UserError(`devenv up (pid ${state.pid}) is stopping; run this again once it has`);
    }
    if (state.phase === 'running') return state;
    if (Date.now() > until) throw new UserError(`devenv up (pid ${state.pid}) is still starting; try again`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Only a socket of our own user: anyone else's could answer whatever it likes. */
function checkSocket(path: string, pid: number): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    throw new UserError(
      `devenv up (pid ${pid}) has no control channel (${path} is missing); ` +
        'restart it (`devenv down`, then `devenv up`)',
    );
  }
  if (!st.isSocket() || st.uid !== process.getuid?.()) {
    throw new UserError(`${path} is not a socket of this user; refusing to use it (remove it and restart devenv up)`);
  }
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
