// devenv.json `processes` over a Procfile: a Procfile project gets per-process settings (watch,
// dependsOn, ready, port, …) without repeating its commands.
//
// The rule: when some entry of `processes` has no `command`, the Procfile (Procfile.dev, else Procfile)
// gives the processes, in its order; an entry of the same name adds its settings to one (a `command`
// there replaces the Procfile's); entries the Procfile does not have follow, and need a command.
// When every entry has a command, devenv.json alone gives the processes and a Procfile is not read.
import type { ProcessConfig } from './config.js';
import type { ProcfileEntry } from './procfile.js';

export type CompleteProcessConfig = ProcessConfig & { command: string };

/** True when the Procfile must be read: some entry only adds settings. */
export function overlaysProcfile(processes: Record<string, ProcessConfig>): boolean {
  return Object.values(processes).some((p) => p.command === undefined);
}

/**
 * The processes with their commands, in order. `procfile`: its name and entries, or null when there is
 * none. Throws a one-line reason (without the file name) for an entry that has no command anywhere.
 */
export function overlayProcfile(
  processes: Record<string, ProcessConfig>,
  procfile: { file: string; entries: ProcfileEntry[] } | null,
): [string, CompleteProcessConfig][] {
  const result: [string, CompleteProcessConfig][] = [];
  for (const e of procfile?.entries ?? []) {
    const settings = processes[e.name] ?? {};
    result.push([e.name, { ...settings, command: settings.command ?? e.command }]);
  }
  const fromProcfile = new Set(result.map(([n]) => n));
  for (const [name, p] of Object.entries(processes)) {
    if (fromProcfile.has(name)) continue;
    if (p.command === undefined) {
      const where = procfile
        ? `${procfile.file} has no process "${name}"`
        : 'there is no Procfile.dev or Procfile to take it from';
      throw new Error(`processes.${name} has no "command" and ${where}; add a command`);
    }
    result.push([name, { ...p, command: p.command }]);
  }
  return result;
}
