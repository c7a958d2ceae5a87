import type { CommandSpec } from './command-spec.js';

/** Internal: started in the background by reset to delete the cluster it moved aside (named on stdin). */
export default {
  name: '__delete',
  summary: 'delete the cluster reset moved aside (started by reset)',
  hidden: true,
  action: async () => (await import('./delete.js')).default,
} satisfies CommandSpec;
