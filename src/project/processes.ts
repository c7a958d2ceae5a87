import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AppDefinition, RESERVED_NAMES } from '../app-definition.js';
import { dependencyProblem } from '../app-graph.js';
import { errorMessage, UserError } from '../errors.js';
import type { Config } from './config.js';
import { type CompleteProcessConfig, overlayProcfile, overlaysProcfile } from './process-overlay.js';
import { type ProcfileEntry, parseProcfile } from './procfile.js';
import { readyCheck } from './ready-config.js';

function checkReserved(apps: AppDefinition[], where: string): void {
  const bad = apps.find((a) => RESERVED_NAMES.includes(a.name));
  if (bad)
    throw new UserError(
      `${where}: the process name "${bad.name}" is reserved (devenv uses it for its own lines); rename the process`,
    );
}

/** Procfile.dev, else Procfile, parsed; null when there is neither. */
function readProcfile(root: string): { file: string; full: string; entries: ProcfileEntry[] } | null {
  for (const file of ['Procfile.dev', 'Procfile']) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${full}: ${errorMessage(err)}`);
    }
    return { file, full, entries: parseProcfile(text, full) };
  }
  return null;
}

/** Quote arguments for /bin/sh so `devenv up -- CMD ARGS...` runs exactly those words. */
function shellJoin(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Where the apps come from, in order: the command after `--`, devenv.json
 * `processes` (over Procfile.dev or Procfile when an entry has no command: see process-overlay.ts),
 * Procfile.dev, Procfile. Returns [] when there are none. Dependencies and probes are checked here.
 */
export function appDefinitions(
  root: string,
  config: Config,
  adHoc: string[],
): { apps: AppDefinition[]; source: string | null } {
  const defaultWatch = (config.watch.paths ?? ['.']).map((p) => path.resolve(root, p));
  if (adHoc.length > 0) {
    return {
      apps: [
        { name: 'app', command: shellJoin(adHoc), cwd: root, env: {}, watch: defaultWatch, restart: 'on-failure' },
      ],
      source: 'command line',
    };
  }
  if (config.processes && Object.keys(config.processes).length > 0) {
    const procfile = overlaysProcfile(config.processes) ? readProcfile(root) : null;
    let entries: [string, CompleteProcessConfig][];
    try {
      entries = overlayProcfile(config.processes, procfile && { file: procfile.file, entries: procfile.entries });
    } catch (err) {
      throw new UserError(`${config.file}: ${errorMessage(err)}`);
    }
    const apps = entries.map(([name, p]) => {
      const cwd = path.resolve(root, p.cwd ?? '.');
      if (!existsSync(cwd)) throw new UserError(`${config.file}: processes.${name}.cwd: ${cwd} does not exist`);
      if (!p.command.trim()) throw new UserError(`${config.file}: processes.${name}.command is empty`);
      const env: Record<string, string> = { ...p.env };
      if (p.port !== undefined) env.PORT = String(p.port);
      const watch =
        p.watch === false ? [] : Array.isArray(p.watch) ? p.watch.map((w) => path.resolve(root, w)) : defaultWatch;
      const ready = readyCheck(name, p);
      if (ready.problem) throw new UserError(`${config.file}: processes.${ready.problem}`);
      return {
        name,
        command: p.command,
        cwd,
        env,
        ...(p.port !== undefined && { port: p.port }),
        watch,
        restart: p.restart ?? 'on-failure',
        stopGraceMs: p.stopGraceMs,
        ...(p.dependsOn && { dependsOn: p.dependsOn }),
        ...(ready.check && { ready: ready.check }),
      } satisfies AppDefinition;
    });
    checkReserved(apps, `${config.file}: processes`);
    const graphProblem = dependencyProblem(apps);
    if (graphProblem) throw new UserError(`${config.file}: processes.${graphProblem}`);
    return { apps, source: procfile ? `${procfile.file} and devenv.json` : 'devenv.json' };
  }
  const procfile = readProcfile(root);
  if (procfile) {
    const apps = procfile.entries.map((e) => ({
      name: e.name,
      command: e.command,
      cwd: root,
      env: {},
      watch: defaultWatch,
      restart: 'on-failure' as const,
    }));
    checkReserved(apps, procfile.full);
    return { apps, source: procfile.file };
  }
  return { apps: [], source: null };
}
