import type { CommandSpec } from './command-spec.js';

export default {
  name: 'status',
  summary: 'cluster, server and processes',
  options: [{ long: 'json', summary: 'machine-readable output' }],
  action: async () => (await import('./status.js')).default,
} satisfies CommandSpec;
