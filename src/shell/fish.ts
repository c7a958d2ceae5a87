import { dataFields, HOOK_FORMAT, type Shell } from './shell.js';

/** Inside fish single quotes only \\ and \' are escapes; newlines and $ stay literal. */
function fishQuote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export const fish: Shell = {
  name: 'fish',
  quote: fishQuote,
  exportVar: (key, value) => `set -gx ${key} ${fishQuote(value)}`,
  unsetVar: (key) => `set -e ${key}`,
  renderData(data) {
    // Plain `set` updates the hook function's locals of these names (declared before sourcing).
    const lines = dataFields(data).map(([name, value]) => `set __pgres_c_${name} ${fishQuote(value)}`);
    lines.push(`set __pgres_c_keys ${data.keys.map(fishQuote).join(' ')}`);
    lines.push(`set __pgres_c_vals ${data.values.map(fishQuote).join(' ')}`);
    lines.push(`set __pgres_c_v ${HOOK_FORMAT}`);
    return `${lines.join('\n')}\n`;
  },
  hookFile: 'devenv.fish',
};
