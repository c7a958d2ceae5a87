// A mount namespace that hides the system PostgreSQL, for the packed-package test of the embedded fallback.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { IS_ROOT, runProcess } from '../helpers/project.js';
import { skipFor } from '../helpers/tools.js';
import { type Runner, work } from './installed.js';

/**
 * A mount namespace where every system server bin dir is replaced by one holding only psql (Debian's
 * /usr/bin/psql is a wrapper that execs it from there). Discovery scans /usr/lib/postgresql/* whatever PATH
 * says, so only hiding the directories themselves proves the embedded fallback. The mounts happen inside
 * the new namespace's own shell: if unshare fails, nothing is mounted anywhere.
 */
export async function hideSystemServer(): Promise<{ run: Runner; stop: () => Promise<void> }> {
  const dirs = [
    ...listDirs('/usr/lib/postgresql', /^\d+$/).map((d) => path.join(d, 'bin')),
    ...listDirs('/usr', /^pgsql-\d+$/).map((d) => path.join(d, 'bin')),
  ].filter((d) => existsSync(d));
  const mounts = dirs.map((d, i) => {
    const replacement = path.join(work, `hide-${i}`);
    mkdirSync(replacement, { mode: 0o755 });
    if (existsSync(path.join(d, 'psql'))) copyFileSync(path.join(d, 'psql'), path.join(replacement, 'psql'));
    return `mount --bind '${replacement}' '${d}'`;
  });
  let holder: ChildProcess | null = null;
  const reason = await new Promise<string | null>((resolve) => {
    if (!IS_ROOT) return resolve('needs root for a mount namespace');
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', [...mounts, 'echo ready', 'exec sleep 600'].join(' && ')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        holder = child;
        resolve(null);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) => resolve(`unshare: ${e.message}`));
    child.on('exit', (code) => resolve(`unshare exited ${code}: ${err.trim()}`));
  });
  // CI runs as root on a fresh Debian machine, where this works: there a refusal is a failure.
  if (reason || !holder) skipFor(`cannot hide the system PostgreSQL in a mount namespace (${reason})`);
  const child: ChildProcess = holder;
  const target = String(child.pid);
  return {
    run: (file, args, cwd, env) =>
      runProcess('nsenter', ['--target', target, '--mount', `--wd=${cwd}`, '--', file, ...args], { cwd, env }),
    // The namespace ends with its last process: the holder, once the scenario has stopped everything else.
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function listDirs(base: string, pattern: RegExp): string[] {
  try {
    return readdirSync(base)
      .filter((n) => pattern.test(n))
      .map((n) => path.join(base, n));
  } catch {
    return [];
  }
}
