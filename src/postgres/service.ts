import { UserError } from '../errors.js';
import { type DiskFullNotice, isDiskFull } from '../util/disk-space.js';
import type { ExitStatus } from '../util/exit-status.js';
import { processGone, waitGone } from '../util/liveness.js';
import type { Output } from '../util/output.js';
import type { LogLimits } from '../util/rotating-log.js';
import { FileTail } from '../util/tail-file.js';
import { ensureServer, type PreparedPostgres, type RunningServer } from './prepare.js';
import { type ServerSpec, ServerStartError, stopServer } from './server.js';
import { claimServer, withServerLock } from './shared-server.js';

export interface ServiceOptions {
  /** Told when postgres reports a full disk. */
  disk?: Pick<DiskFullNotice, 'failed'>;
  /** postgres.log is copied to postgres.log.1 and emptied in place past this size (checked every second). */
  logLimits?: LogLimits;
  /** Told the port of each start (postgres.tcp: true may have picked one just now): the project follows it. */
  started?: (port: number) => void;
  /** Told once a start has spawned postgres (before it is ready), or has found it running. */
  underway?: () => void;
}

/** Lines of this start's log kept to explain an exit. */
const RECENT_LINES = 40;

/**
 * The line that says why postgres stopped, without its timestamp and pid: the last PANIC, or with
 * `fatal` (a start that failed: every line is its own) the last FATAL too. A FATAL while it runs is
 * usually one client's (a database that does not exist) and says nothing about the server.
 */
export function stopReason(lines: string[], fatal = false): string | null {
  const re = fatal ? /\b(PANIC|FATAL):\s+(.*)$/ : /\b(PANIC):\s+(.*)$/;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = re.exec(lines[i]!);
    if (m) return `${m[1]}: ${m[2]}`;
  }
  return null;
}

/**
 * The project's postgres as a supervised service: started (or adopted, when a
 * previous `devenv up` was killed and left it running), watched for death, stopped.
 * The server writes its log file directly, so the log survives us; we tail it, and keep it bounded.
 * It holds no project: each start asks `server` for what to start (the settings of the project as
 * `up` holds it now) and says which port it got.
 */
export class PostgresService {
  pid: number | null = null;
  /** The exit of the server we spawned (null: one we adopted, or none). */
  private exited: Promise<ExitStatus> | null = null;
  private exitCallbacks: ((info: ExitStatus) => void)[] = [];
  private stopping = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private tail: FileTail | null = null;
  private capTimer: NodeJS.Timeout | null = null;
  /** The last lines of this start's log. */
  private recent: string[] = [];

  constructor(
    /** Asked at each start: the cluster may have moved to another major meanwhile (an upgrade under `up`). */
    private readonly prepared: () => PreparedPostgres,
    private readonly server: () => ServerSpec,
    private readonly out: Output,
    private readonly onLogLine: (line: string) => void,
    private readonly opts: ServiceOptions = {},
  ) {}

  private readonly logLine = (line: string): void => {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    // A WAL write that fails for space makes postgres PANIC and restart (or give up): say why.
    if (/\b(PANIC|FATAL|ERROR):/.test(line) && isDiskFull(line)) this.opts.disk?.failed('postgres', line);
    this.onLogLine(line);
  };

  /** postgres' log, in the cluster (where it is does not change with the settings). */
  private get logFile(): string {
    return this.server().paths.serverLog;
  }

  private capLog(): void {
    const limits = this.opts.logLimits;
    if (!limits) return;
    try {
      // In the cluster: as root, the account copies and empties it (root never writes through its tree).
      this.prepared().fs.capLog(this.logFile, limits);
    } catch {
      // a full disk cannot take the copy: the log stays as it is and is tried again
    }
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
    this.recent = [];
    this.capLog();
    // As root the log is the account's file: read only if it still is (not a link it put there).
    const spec = this.server();
    const pg = this.prepared();
    this.tail = new FileTail(spec.paths.serverLog, this.logLine, { owner: pg.fs.account?.uid }).start();
    if (this.opts.logLimits && !this.capTimer) {
      this.capTimer = setInterval(() => this.capLog(), 1000);
      this.capTimer.unref();
    }
    // Detached: the terminal's Ctrl-C reaches us, and we stop the apps before postgres.
    let server: RunningServer;
    try {
      // Under the server lock: a psql session ending right now cannot stop the server we take over.
      server = await withServerLock(spec.paths, async () => {
        const found = await ensureServer(pg, spec, this.out, { detached: true, onSpawn: this.opts.underway });
        if (!found.handle) this.opts.underway?.(); // one already running: no spawn told it
        // A server a psql session started is ours now: the session must not stop it when it ends.
        claimServer(spec.paths);
        return found;
      });
    } catch (err) {
      // Show the server's last lines through our prefixed output now; the tail's file watch would
      // otherwise keep the process alive after a failed start.
      this.tail.stop();
      this.tail = null;
      if (err instanceof ServerStartError) {
        const reason = stopReason(this.recent, true);
        throw new UserError(
          `${err.summary}${reason ? `: ${reason}` : ''}; see its log lines above (${spec.paths.serverLog})`,
        );
      }
      throw err;
    }
    this.pid = server.pid;
    this.exited = server.handle?.exited ?? null;
    this.opts.started?.(server.port);
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
      const reason = stopReason(this.recent);
      if (!this.stopping) for (const cb of this.exitCallbacks) cb(reason ? { ...info, reason } : info);
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
    if (pid) await stopServer(pid, { exited: this.exited ?? undefined });
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    this.pid = null;
    this.tail?.stop();
    this.tail = null;
    this.stopCapping();
  }

  private stopCapping(): void {
    if (this.capTimer) clearInterval(this.capTimer);
    this.capTimer = null;
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
    this.stopCapping();
  }
}
