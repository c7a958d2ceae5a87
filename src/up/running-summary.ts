// The line `up` says once everything runs: how many apps, from where, and how to stop them.
import type { AppDefinition } from '../app-definition.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** What the run was asked for (UpOptions' fields). */
interface Asked {
  apps: AppDefinition[];
  /** Where the apps came from ("devenv.json", "Procfile", ...). */
  source: string | null;
  /** `up NAME...` ([]: all). */
  only: string[];
}

/** The running line; with `up NAME...`, also how many of the apps it started. */
export function summary({ apps, source, only }: Asked, supervisor: Pick<Supervisor, 'status'>): string {
  if (apps.length === 0) {
    return 'no app processes: add "processes" to devenv.json, a Procfile, or run `devenv up -- CMD ARGS...`';
  }
  const n = apps.length;
  if (only.length === 0) return `running ${n} app process${n > 1 ? 'es' : ''} from ${source}; Ctrl-C stops everything`;
  const started = supervisor.status().filter((p) => p.kind === 'app' && p.state !== 'pending').length;
  return (
    `running ${only.join(', ')} and what ${only.length > 1 ? 'they need' : 'it needs'} (${started} of ${n} app ` +
    `processes from ${source}; \`devenv start NAME\` starts another); Ctrl-C stops everything`
  );
}
