import { type ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import type { Account } from '../postgres/privileges.js';
import { type FileOps, fileOps, type OpName } from './file-ops.js';

type Args<K extends OpName> = Parameters<FileOps[K]>[0];
type Result<K extends OpName> = Awaited<ReturnType<FileOps[K]>>;

// Beside us: dist/snapshot/worker.js next to this module, dist/bundle/worker.js (its own bundle entry)
// next to the chunk that holds it in the published package.
const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** The environment of our own node children: nothing of the user's (NODE_OPTIONS could load anything). */
const WORKER_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };

/**
 * The bulk file work of snapshot commands inside .pgres (copying a cluster, swapping its files), run as
 * the account of the ClusterFs it was opened from: its node worker, where the small file operations of
 * a ClusterFs are a shell each.
 */
export interface FileWorker {
  run<K extends OpName>(op: K, args: Args<K>): Promise<Result<K>>;
  close(): void;
}

/** Not root: postgres runs as us and .pgres is ours, so the operations run right here. */
function inProcess(): FileWorker {
  return {
    run: (op, args) => (fileOps[op] as (a: typeof args) => Promise<Result<typeof op>>)(args),
    close: () => undefined,
  };
}

/**
 * Root: one worker process for the whole command. It starts as root (so it can load our code and node
 * wherever they are installed) and switches to the account before it reads a single request.
 */
function viaWorker(account: Account): FileWorker {
  const child: ChildProcess = spawn(process.execPath, [WORKER, '--as', String(account.uid), String(account.gid)], {
    cwd: '/',
    stdio: ['pipe', 'pipe', 'pipe'],
    env: WORKER_ENV,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  // What it said, in one line: the error line of a crash (node prints source and stack around it).
  const said = () => {
    const lines = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const line = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines[lines.length - 1];
    return line ? `: ${line}` : '';
  };
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const fail = (why: string) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`the file worker ${why}${said()}`));
    pending.clear();
  };
  child.on('error', (err) => fail(`could not start (${err.message})`));
  child.stdin!.on('error', () => undefined); // a dead worker: reported through 'exit'
  child.on('exit', (code, signal) => fail(`exited (${code ?? signal})`));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { id: number; ok: boolean; result?: unknown; error?: { message: string; code?: string; user?: boolean } };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else {
      const e = msg.error!;
      const err = e.user ? new UserError(e.message) : Object.assign(new Error(e.message), { code: e.code });
      p.reject(err);
    }
  });
  return {
    run(op, args) {
      if (exited) return Promise.reject(new Error(`the file worker is gone${said()}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
      });
    },
    close() {
      child.stdin!.end();
    },
  };
}

export function openFileWorker({ account }: ClusterFs): FileWorker {
  return account ? viaWorker(account) : inProcess();
}

/**
 * Run one operation in a detached worker that outlives this command (as the account when root), at low
 * priority so it does not slow what the user does next. Best effort: if it fails or is killed, only the
 * speed it would have bought is lost, and the next command tidies its work dir.
 */
export function runInBackground<K extends OpName>({ account }: ClusterFs, op: K, args: Args<K>): void {
  const as = account ? ['--as', String(account.uid), String(account.gid)] : [];
  try {
    const child = spawn(process.execPath, [WORKER, ...as, '--job', JSON.stringify({ id: 0, op, args })], {
      cwd: '/',
      detached: true,
      stdio: 'ignore',
      env: WORKER_ENV,
    });
    child.on('error', () => undefined);
    if (child.pid) setPriority(child.pid, 10);
    child.unref();
  } catch {
    // Only speed is lost.
  }
}
