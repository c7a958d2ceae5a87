import type { CommandSpec } from './command-spec.js';

/** Internal: started in the background after an init to refill the template cache and spares. */
export default {
  name: '__refill',
  summary: 'make the next template and spare cluster (started by init)',
  arguments: [{ name: 'job' }],
  hidden: true,
  action: async () => (await import('./refill.js')).default,
} satisfies CommandSpec;
