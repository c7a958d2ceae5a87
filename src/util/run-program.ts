import { type SpawnOptions, spawn } from 'node:child_process';
import type { ExitStatus } from './exit-status.js';

export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** Run a short-lived program to completion, collecting its output (for initdb, postgres --single, cp). */
export function run(file: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { input, ...spawnOpts } = opts;
    const child = spawn(file, args, { ...spawnOpts, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}
