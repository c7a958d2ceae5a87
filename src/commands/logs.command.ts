import type { CommandSpec } from './command-spec.js';

export default {
  name: 'logs',
  summary: 'show process logs',
  arguments: [{ name: 'name', summary: 'process name (postgres, or an app)', optional: true }],
  options: [
    { long: 'follow', short: 'f', summary: 'keep printing new lines' },
    { long: 'lines', short: 'n', value: 'count', summary: 'lines to show from the end of each log', default: '100' },
  ],
  action: async () => (await import('./logs.js')).default,
} satisfies CommandSpec;
