// The project for commands that look at or stop what runs (down, status, logs, snapshot list): they
// must work while devenv.json is broken (an edit half done), from what is running. Their project then
// comes from the defaults, with the port of the running server and the account that owns the cluster,
// and the problem is said once.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { readPostmasterPid } from '../postgres/postmaster-pid.js';
import { accountNameOf } from '../postgres/privileges.js';
import type { Config } from '../project/config.js';
import { PG_PORT } from '../project/paths.js';
import { type Project, projectAt } from '../project/project.js';
import { DATA_DIR, requireProjectRoot } from '../project/root.js';

export interface RunningProject {
  project: Project;
  /** Why devenv.json could not be used (null when it could): the project is built without it. */
  configError: string | null;
}

/**
 * The enclosing project; when its configuration is broken, one made without it that finds what runs,
 * after `say` got the problem (`purpose`: what the command does anyway, "stopping what runs").
 */
export function openRunningProject(cwd: string, purpose: string, say: (line: string) => void): RunningProject {
  const root = requireProjectRoot(cwd);
  try {
    return { project: projectAt(root), configError: null };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    say(`${err.message} (${purpose} anyway; fix it to change anything)`);
    return { project: projectAt(root, { config: fallbackConfig(root) }), configError: err.message };
  }
}

/** The defaults, with what the running cluster says of itself: its server's port, its owner (as root). */
function fallbackConfig(root: string): Config {
  const pgdata = path.join(root, DATA_DIR);
  const port = readPostmasterPid(pgdata)?.port;
  let owner: string | null = null;
  try {
    const uid = lstatSync(pgdata).uid;
    if (uid !== 0 && uid !== process.getuid?.()) owner = accountNameOf(uid);
  } catch {
    // no cluster yet
  }
  return {
    postgres: {
      settings: {},
      ...(port && port !== PG_PORT ? { tcp: port } : {}),
      ...(owner ? { runAs: owner } : {}),
    },
    watch: {},
    file: null,
  };
}
