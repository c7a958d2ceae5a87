import type { CommandSpec } from './command-spec.js';

export default {
  name: 'upgrade',
  summary: 'move the cluster to another PostgreSQL major, keeping all data (a snapshot is saved first)',
  options: [
    {
      long: 'to',
      value: 'version',
      summary: 'the major to move to (default: postgres.version, else the newest PostgreSQL already here)',
    },
  ],
  // It replaces the cluster's files (a snapshot keeps the old ones): never a "did you mean".
  destructive: true,
  help:
    'The new cluster is built beside the old one and swapped in only once every table has its rows and every ' +
    'sequence its value; until then the old cluster is untouched. With postgres.version set, --to must agree ' +
    'with it.',
  action: async () => (await import('./upgrade.js')).default,
} satisfies CommandSpec;
