/** How a process ended: its exit code, or the signal that ended it. Both null: ended, how is unknown. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One phrase for a log line: "killed by SIGKILL", "command not found (exit 127)", "exited with code 3". */
export function describeExit({ code, signal }: ExitStatus): string {
  if (signal) return `killed by ${signal}`;
  // A process we did not spawn (an adopted server) is watched by polling: its status is not ours to read.
  if (code === null) return 'stopped';
  if (code === 127) return 'command not found (exit 127)';
  if (code === 126) return 'command not executable (exit 126)';
  return `exited with code ${code}`;
}
