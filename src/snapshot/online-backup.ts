import { UserError } from '../errors.js';
import { connectSql, type SqlClient } from '../postgres/sql-client.js';
import type { Project } from '../project/project.js';
import type { WalRange } from './wal-range.js';

/**
 * PostgreSQL's non-exclusive low-level backup over one connection (what pg_basebackup does, which the
 * embedded package does not ship): start backup mode with a fast checkpoint, let the caller copy the
 * data files, stop, and get back the backup_label (and tablespace_map) the copy must contain so that its
 * first start recovers to a consistent point. The server never pauses; closing the connection (even by
 * dying) ends backup mode.
 */
export interface BackupLabel {
  labelFile: string;
  tablespaceMap: string;
  /** WAL from the backup's checkpoint to its end: copied after the stop. */
  wal: WalRange;
}

/** Connecting as the cluster superuser over the socket; the database must exist and take connections. */
async function connect(project: Project): Promise<SqlClient> {
  // Not the project database: a connection to a database blocks CREATE DATABASE … TEMPLATE of it.
  const databases = [...new Set(['postgres', project.database, 'template1'])];
  const until = Date.now() + 30000;
  let last: unknown;
  for (;;) {
    for (const database of databases) {
      try {
        const client = await connectSql(project, { database });
        client.on('error', () => undefined); // the server going away mid-backup surfaces through the query
        return client;
      } catch (err) {
        last = err;
        if ((err as { code?: string }).code === '3D000') continue; // no such database: try the next
        break;
      }
    }
    // 57P03: the server is starting up (or recovering); anything else may be a server just started.
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new UserError(`cannot connect to the running server to take the snapshot: ${(last as Error)?.message}`);
}

export class OnlineBackup {
  private started = false;

  private constructor(
    private readonly client: SqlClient,
    /** server_version, e.g. "15.18" (or "17.4 (Debian …)" trimmed to the number). */
    readonly serverVersion: string,
    private readonly versionNum: number,
  ) {}

  static async open(project: Project): Promise<OnlineBackup> {
    const client = await connect(project);
    try {
      const r = await client.query<{ v: string; n: string; wal_level: string }>(
        "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n, " +
          "current_setting('wal_level') AS wal_level",
      );
      const row = r.rows[0]!;
      if (row.wal_level === 'minimal') {
        throw new UserError(
          'the server runs with wal_level = minimal, which cannot take a snapshot while running; ' +
            'remove that setting, or stop the server (`devenv down`) and snapshot it stopped',
        );
      }
      return new OnlineBackup(client, row.v.split(' ')[0]!, Number(row.n));
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  async databases(): Promise<string[]> {
    const r = await this.client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname',
    );
    return r.rows.map((x) => x.datname);
  }

  /**
   * Reserve WAL from now on with a temporary replication slot (dropped when the session ends), so no
   * checkpoint removes a segment the copy needs; then enter backup mode. Returns the checkpoint's time.
   */
  async start(label: string): Promise<{ checkpointMs: number }> {
    const slot = `devenv_snapshot_${process.pid}`;
    try {
      await this.client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]);
    } catch {
      // max_replication_slots = 0: go on without; the WAL check after the copy catches a removed segment.
    }
    const t0 = performance.now();
    await this.client.query(
      this.versionNum >= 150000 ? 'SELECT pg_backup_start($1, true)' : 'SELECT pg_start_backup($1, true, false)',
      [label],
    );
    this.started = true;
    return { checkpointMs: performance.now() - t0 };
  }

  async stop(): Promise<BackupLabel> {
    const fn = this.versionNum >= 150000 ? 'pg_backup_stop(false)' : 'pg_stop_backup(false, false)';
    const r = await this.client.query<{ labelfile: string; spcmapfile: string | null; stop_file: string }>(
      `SELECT labelfile, spcmapfile, pg_walfile_name(lsn) AS stop_file FROM ${fn}`,
    );
    this.started = false;
    const row = r.rows[0]!;
    const start = /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(row.labelfile);
    if (!start) throw new Error(`unexpected backup label from the server: ${row.labelfile.slice(0, 200)}`);
    return {
      labelFile: row.labelfile,
      tablespaceMap: row.spcmapfile ?? '',
      wal: { first: start[1]!, last: row.stop_file },
    };
  }

  /** End the session: a backup still in progress is aborted by the server, the slot dropped. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  get inBackup(): boolean {
    return this.started;
  }
}
