import { UserError } from '../errors.js';
import { openProject } from '../project/project.js';

const SHELLS = ['bash', 'zsh', 'fish', 'json'] as const;
type Format = (typeof SHELLS)[number];

/** POSIX single quotes keep every byte literal; a quote itself is closed, escaped, reopened. */
function posixQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** In fish single quotes only backslash and the quote are special. */
function fishQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function renderEnv(env: Record<string, string>, format: Format): string {
  if (format === 'json') return `${JSON.stringify(env, null, 2)}\n`;
  const lines = Object.entries(env).map(([k, v]) => (format === 'fish' ? `set -gx ${k} ${fishQuote(v)};` : `export ${k}=${posixQuote(v)};`));
  return `${lines.join('\n')}\n`;
}

export default async function env(opts: { shell: string }): Promise<number> {
  if (!SHELLS.includes(opts.shell as Format)) {
    throw new UserError(`unknown shell "${opts.shell}"; use one of: ${SHELLS.join(', ')}`);
  }
  const project = openProject(process.cwd());
  process.stdout.write(renderEnv(project.env, opts.shell as Format));
  return 0;
}
