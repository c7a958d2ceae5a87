// The log of one `up` run: each process's lines with its name on the terminal, each in its own rotating
// file, and the line in devenv.log where the run begins.
import { type ProjectPaths, processLog } from '../project/paths.js';
import { ownLogFile } from '../project/pgres-files.js';
import { LogOutput } from '../supervisor/log-output.js';
import { runStartLine } from '../supervisor/log-stamp.js';
import type { DiskFullNotice } from '../util/disk-space.js';
import type { LogLimits } from '../util/rotating-log.js';

/** The run's log, and `begin`: its first line in devenv.log, written at the first call (later ones do nothing). */
export interface RunLog {
  log: LogOutput;
  begin: () => void;
}

/**
 * `names`: the processes besides devenv's own lines, known up front so the padding is right from the first
 * line. `detached`: the background `up`, whose terminal is up.log. `disk`: says when a write finds the disk full.
 * Nothing is written yet: `up` calls `begin` once postgres is on its way (creating the log's directory,
 * checked as root, takes a few ms the start need not wait for), or before any line of its own.
 */
export function openRunLog(
  paths: ProjectPaths,
  limits: LogLimits,
  names: string[],
  { detached, disk }: { detached: boolean; disk: DiskFullNotice },
): RunLog {
  const log = new LogOutput({
    // The background `up` writes no prefixed copy of every line into up.log: the files have them.
    out: detached ? null : undefined,
    logFile: (name) => ownLogFile(processLog(paths, name), limits, disk),
    names: ['devenv', ...names],
  });
  let begun = false;
  const begin = () => {
    if (begun) return;
    begun = true;
    // The first line of each run in devenv.log: `devenv logs` draws its separator there.
    log.record('devenv', [runStartLine(process.pid)]);
  };
  return { log, begin };
}
