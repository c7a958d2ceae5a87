import type { CommandSpec } from './command-spec.js';

export default {
  name: 'logs',
  summary: 'show process logs (all of them interleaved by time, or one)',
  arguments: [{ name: 'name', summary: 'process name (postgres, or an app)', optional: true }],
  options: [
    { long: 'follow', short: 'f', summary: 'keep printing new lines' },
    {
      long: 'lines',
      short: 'n',
      value: 'count',
      summary: 'lines to show from the end (default 100; with --since all)',
    },
    { long: 'timestamps', short: 't', summary: 'show the time of each line' },
    { long: 'since', value: 'when', summary: 'lines from then on: an age (30s, 10m, 1h, 2d) or an RFC 3339 time' },
  ],
  action: async () => (await import('./logs.js')).default,
} satisfies CommandSpec;
