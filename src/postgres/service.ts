import { UserError } from '../errors.js';
import type { Project } from '../project/project.js';
import type { ExitStatus } from '../util/exit-status.js';
import { processGone, waitGone } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import { FileTail } from '../util/tail-file.js';
import { ensureServer, type PreparedPostgres, type RunningServer } from './prepare.js';
import { ServerStartError, serverLogPath, stopServer } from './server.js';
import { claimServer, withServerLock } from './session-server.js';

/**
 * The project's postgres as a supervised service: started (or adopted, when a
 * previous `devenv up` was killed and left it running), watched for death, stopped.
 * The server writes its log file directly, so the log survives us; we tail it.
 */
export class PostgresService {
  pid: number | null = null;
  private exitCallbacks: ((info: ExitStatus) => void)[] = [];
  private stopping = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private tail: FileTail | null = null;

  constructor(
    private readonly pg: PreparedPostgres,
    private readonly out: Output,
    private readonly onLogLine: (line: string) => void,
  ) {}

  /** The project as last loaded (config reload): the next start() writes its postgres.settings. */
  get project(): Project {
    return this.pg.project;
  }
  useProject(project: Project): void {
    this.pg.project = project;
  }

  /** A start begun before the supervisor exists (so module loading overlaps postgres' boot). */
  private early: Promise<void> | null = null;

  /** Begin starting now; the next start() call returns this attempt instead of starting again. */
  prestart(): void {
    this.early = this.track(this.begin());
    this.early.catch(() => undefined); // handled by whoever calls start()
  }

  start(): Promise<void> {
    const early = this.early;
    this.early = null;
    return early ?? this.track(this.begin());
  }

  /** A start still under way: a stop that comes meanwhile (Ctrl-C during start-up) must wait for its pid. */
  private inflight: Promise<void> | null = null;

  private track(start: Promise<void>): Promise<void> {
    const settled = start.then(
      () => undefined,
      () => undefined,
    );
    this.inflight = settled;
    void settled.then(() => {
      if (this.inflight === settled) this.inflight = null;
    });
    return start;
  }

  private async settled(timeoutMs: number): Promise<void> {
    if (!this.inflight) return;
    await Promise.race([this.inflight, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async begin(): Promise<void> {
    this.stopping = false;
    this.tail?.stop();
    // As root the log is the account's file: read only if it still is (not a link it put there).
    this.tail = new FileTail(serverLogPath(this.pg.project), this.onLogLine, { owner: this.pg.account?.uid }).start();
    // Detached: the terminal's Ctrl-C reaches us, and we stop the apps before postgres.
    let server: RunningServer;
    try {
      // Under the server lock: a psql session ending right now cannot stop the server we take over.
      server = await withServerLock(this.pg.project, async () => {
        const found = await ensureServer(this.pg, this.out, { output: 'file', detached: true });
        // A server a psql session started is ours now: the session must not stop it when it ends.
        claimServer(this.pg.project);
        return found;
      });
    } catch (err) {
      // Show the server's last lines through our prefixed output now; the tail's file watch would
      // otherwise keep the process alive after a failed start.
      this.tail.stop();
      this.tail = null;
      if (err instanceof ServerStartError) {
        throw new UserError(`${err.summary}; see its log lines above (${serverLogPath(this.pg.project)})`);
      }
      throw err;
    }
    this.pid = server.pid;
    if (!server.handle)
      this.out.notice(`using the postgres server already running on this cluster (pid ${server.pid})`);
    this.watchExit(server.pid, server.handle?.exited);
  }

  private watchExit(pid: number, exited?: Promise<ExitStatus>): void {
    const report = (info: ExitStatus) => {
      if (this.pid !== pid) return;
      if (this.watchTimer) clearInterval(this.watchTimer);
      this.watchTimer = null;
      this.pid = null;
      this.tail?.read();
      if (!this.stopping) for (const cb of this.exitCallbacks) cb(info);
    };
    if (exited) {
      void exited.then((r) => report({ code: r.code, signal: r.signal }));
      return;
    }
    // Adopted server (not our child): poll for its end.
    this.watchTimer = setInterval(() => {
      if (processGone(pid)) report({ code: null, signal: null });
    }, 200);
  }

  onUnexpectedExit(cb: (info: ExitStatus) => void): void {
    this.exitCallbacks.push(cb);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.settled(60000);
    const pid = this.pid;
    if (pid) await stopServer(pid);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    this.pid = null;
    this.tail?.stop();
    this.tail = null;
  }

  /** Immediate stop (second Ctrl-C): SIGQUIT ends postgres at once; crash recovery runs at the next start. */
  async kill(): Promise<void> {
    this.stopping = true;
    await this.settled(5000);
    const pid = this.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone
      }
      await waitGone(pid, 5000);
    }
    this.tail?.stop();
    this.tail = null;
  }
}
