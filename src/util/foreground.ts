import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { UserError } from '../errors.js';

/** Run a child in the foreground: it owns the terminal's Ctrl-C; its exit code becomes ours. */
export function runForeground(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    // The terminal sends Ctrl-C to the whole foreground group; let the child decide what it means.
    const ignore = () => undefined;
    // A SIGTERM/SIGHUP aimed at us goes to the child; we clean up after it exits.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        err.code === 'ENOENT'
          ? new UserError(`command not found: ${file}`, 127)
          : err.code === 'EACCES'
            ? new UserError(`permission denied: ${file}`, 126)
            : err,
      );
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1;
}
