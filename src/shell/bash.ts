import { singleQuote } from './posix-quote.js';
import { dataFields, HOOK_FORMAT, type HookData, type Shell } from './shell.js';

export function renderPosixData(data: HookData): string {
  const lines = dataFields(data).map(([name, value]) => `__pgres_c_${name}=${singleQuote(value)}`);
  lines.push(`__pgres_c_keys=(${data.keys.map(singleQuote).join(' ')})`);
  lines.push(`__pgres_c_vals=(${data.values.map(singleQuote).join(' ')})`);
  // Last, so a truncated answer is never taken for a complete one.
  lines.push(`__pgres_c_v=${HOOK_FORMAT}`);
  return `${lines.join('\n')}\n`;
}

export const bash: Shell = {
  name: 'bash',
  quote: singleQuote,
  exportVar: (key, value) => `export ${key}=${singleQuote(value)}`,
  unsetVar: (key) => `unset -v ${key}`,
  renderData: renderPosixData,
  hookFile: 'devenv.bash',
};
