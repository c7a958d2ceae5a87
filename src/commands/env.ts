import { UserError } from '../errors.js';
import { openProject } from '../project/project.js';
import { SHELLS } from '../shell/registry.js';
import { stdout } from '../util/terminal.js';

const FORMATS = [...Object.keys(SHELLS), 'json'];

export function renderEnv(env: Record<string, string>, format: string): string {
  if (format === 'json') return `${JSON.stringify(env, null, 2)}\n`;
  const shell = SHELLS[format as keyof typeof SHELLS];
  return `${Object.entries(env)
    .map(([k, v]) => shell.exportVar(k, v))
    .join('\n')}\n`;
}

export default async function env(opts: { shell: string }): Promise<number> {
  if (!FORMATS.includes(opts.shell)) {
    throw new UserError(`unknown shell "${opts.shell}"; use one of: ${FORMATS.join(', ')}`);
  }
  const project = openProject(process.cwd());
  stdout.write(renderEnv(project.env, opts.shell));
  return 0;
}
