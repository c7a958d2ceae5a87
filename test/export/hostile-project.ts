// The project the hostile-values tests export: every hostile value in a process's command, env and working
// directory, and the names as databases and extensions; its plain twin has the same shape with plain values.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDeployModel, type DeployModel } from '../../src/export/deploy-model.js';
import { loadConfig } from '../../src/project/config.js';
import { singleQuote } from '../../src/shell/posix-quote.js';
import { MULTILINE, NAMES, PRINTABLE } from './hostile.js';

export const VALUES = [...PRINTABLE, ...MULTILINE].map(([, v]) => v);

/**
 * For value i: process w<i> runs plain words (ExecStart= gets them), s<i> a pipe (sh gets it); both carry
 * the value in an argument, their env and (names only) their working directory. The databases and
 * extensions are the names.
 */
export function hostileConfig(plain = false) {
  const processes: Record<string, object> = {};
  VALUES.forEach((value, i) => {
    const v = plain ? 'plain' : value;
    const cwd = /[\t\n]/.test(v) ? {} : { cwd: `d/${v}/e` };
    processes[`w${i}`] = {
      command: `printf '%s\\n' ${singleQuote(v)} "$PORT"x`,
      port: 3000 + i,
      env: { V: v },
      ...cwd,
    };
    processes[`s${i}`] = { command: `printf '%s\\n' ${singleQuote(v)} | cat`, env: { V: v }, ...cwd };
  });
  const names = plain ? ['plain', 'plain2'] : NAMES;
  return {
    postgres: { database: names[0], databases: names.slice(1), role: 'app', extensions: names },
    processes,
  };
}

export function modelOf(dir: string): DeployModel {
  return buildDeployModel(dir, loadConfig(dir));
}

/** The value process `w<i>`/`s<i>` carries. */
export const carried = (process: string) => VALUES[Number(process.slice(1))]!;

/** A project directory `name` under `root` with this devenv.json. */
export function projectIn(root: string, name: string, config: object): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  return dir;
}
