// The dump route: pg_dumpall of the old cluster (roles with their passwords, every database with its
// settings, owners and privileges) piped straight into psql on the new one, both servers private to the
// upgrade. Both programs run as the cluster's account and are tethered: a kill of the upgrade ends them.
import { type ChildProcess, spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import { tether } from '../util/tether.js';
import type { TempServer } from './temp-server.js';

export interface DumpJob {
  dumpall: string;
  psql: string;
  superuser: string;
  from: TempServer;
  to: TempServer;
  /** The new server's version, for the error line. */
  toVersion: string;
  fs: ClusterFs;
}

/** The bootstrap superuser exists in the new cluster already (initdb made it): the one error a load expects. */
function expected(line: string, superuser: string): boolean {
  return line.includes(`ERROR:  role "${superuser.replace(/"/g, '""')}" already exists`);
}

function collect(child: ChildProcess): { lines: string[]; done: Promise<number | null> } {
  const lines: string[] = [];
  let rest = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    // Errors and the odd warning only; a whole dump's worth of messages is not kept.
    for (const l of parts) if (l.trim() && lines.length < 200) lines.push(l);
  });
  // 'exit', not 'close': the dump's stdout is psql's stdin, and we never read our end of it.
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(127));
  });
  const drained = new Promise<void>((resolve) => child.stderr!.on('close', () => resolve()));
  return { lines, done: Promise.all([exited, drained]).then(([code]) => code) };
}

export async function dumpAndRestore(job: DumpJob): Promise<void> {
  const as = job.fs.spawnOptions();
  const leash = tether({ signal: 'SIGTERM', as: job.fs.account });
  const conn = (s: TempServer) => ['-h', s.socketDir, '-p', String(s.port), '-U', job.superuser, '--no-password'];
  const dump = spawn(job.dumpall, conn(job.from), { ...as, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  leash.add(dump.pid);
  const load = spawn(job.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=0', ...conn(job.to), '-d', 'postgres'], {
    ...as,
    cwd: '/',
    stdio: [dump.stdout!, 'ignore', 'pipe'],
  });
  leash.add(load.pid);
  // psql has its own copy of the pipe: ours would only keep it open.
  dump.stdout!.destroy();
  const dumped = collect(dump);
  const loaded = collect(load);
  const [dumpCode, loadCode] = await Promise.all([dumped.done, loaded.done]);
  leash.release();
  if (dumpCode !== 0) {
    const why = dumped.lines.find((l) => /error|fatal/i.test(l)) ?? dumped.lines[0] ?? `exit ${dumpCode}`;
    throw new UserError(`pg_dumpall of the old cluster failed: ${why.trim()}`);
  }
  const error = loaded.lines.find((l) => /\b(ERROR|FATAL):/.test(l) && !expected(l, job.superuser));
  if (error || loadCode !== 0) {
    const why = error ?? loaded.lines[loaded.lines.length - 1] ?? `psql exited ${loadCode}`;
    throw new UserError(`loading the dump into PostgreSQL ${job.toVersion} failed: ${why.trim()}`);
  }
}
