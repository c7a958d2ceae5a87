import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AppDefinition, RESERVED_NAMES } from '../app-definition.js';
import { errorMessage, UserError } from '../errors.js';
import type { Config } from './config.js';
import { parseProcfile } from './procfile.js';

function checkReserved(apps: AppDefinition[], where: string): void {
  const bad = apps.find((a) => RESERVED_NAMES.includes(a.name));
  if (bad)
    throw new UserError(
      `${where}: the process name "${bad.name}" is reserved (devenv uses it for its own lines); rename the process`,
    );
}

/** Quote arguments for /bin/sh so `devenv up -- CMD ARGS...` runs exactly those words. */
function shellJoin(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Where the apps come from, in order: the command after `--`, devenv.json
 * `processes`, Procfile.dev, Procfile. Returns [] when there are none.
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
    const apps = Object.entries(config.processes).map(([name, p]) => {
      const cwd = path.resolve(root, p.cwd ?? '.');
      if (!existsSync(cwd)) throw new UserError(`${config.file}: processes.${name}.cwd: ${cwd} does not exist`);
      if (!p.command.trim()) throw new UserError(`${config.file}: processes.${name}.command is empty`);
      const env: Record<string, string> = { ...p.env };
      if (p.port !== undefined) env.PORT = String(p.port);
      const watch =
        p.watch === false ? [] : Array.isArray(p.watch) ? p.watch.map((w) => path.resolve(root, w)) : defaultWatch;
      return {
        name,
        command: p.command,
        cwd,
        env,
        watch,
        restart: p.restart ?? 'on-failure',
        stopGraceMs: p.stopGraceMs,
      } satisfies AppDefinition;
    });
    checkReserved(apps, `${config.file}: processes`);
    return { apps, source: 'devenv.json' };
  }
  for (const file of ['Procfile.dev', 'Procfile']) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${full}: ${errorMessage(err)}`);
    }
    const entries = parseProcfile(text, full);
    const apps = entries.map((e) => ({
      name: e.name,
      command: e.command,
      cwd: root,
      env: {},
      watch: defaultWatch,
      restart: 'on-failure' as const,
    }));
    checkReserved(apps, full);
    return { apps, source: file };
  }
  return { apps: [], source: null };
}
