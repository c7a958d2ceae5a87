// `devenv start|stop|restart NAME...`, and `devenv up NAME...` when an `up` runs already: the request
// goes to the running `up` through its control channel, which answers once it is done; one line per
// process. A failure is said on stderr (why, and its last lines), and the exit is non-zero.
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { stderr, stdout } from '../util/terminal.js';
import { UpControl } from './control-client.js';
import type { ProcessOp, ProcessResult } from './control-protocol.js';

/** Ask the running `up` of this project; one line per process. Returns the exit code. */
export async function controlProcesses(
  paths: ProjectPaths,
  op: ProcessOp,
  names: string[],
  purpose: string,
): Promise<number> {
  const up = await UpControl.connect(paths, purpose);
  if (!up) {
    throw new UserError('no devenv up is running for this project; `devenv up` (or `devenv up -d`) starts one');
  }
  let results: ProcessResult[];
  try {
    results = await up.processes(op, names);
  } finally {
    up.close();
  }
  for (const r of results) {
    if (r.ok) stdout.write(`${r.name}: ${r.text}\n`);
    else stderr.write(`devenv: ${failureLine(r)}\n`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

/** `web: restarted but exited 1; restarting; its last lines: … | …`: one line. */
export function failureLine(r: ProcessResult): string {
  const tail = r.lastLines?.length ? `; its last lines: ${r.lastLines.join(' | ')}` : '';
  return `${r.name}: ${r.text}${tail}`;
}
