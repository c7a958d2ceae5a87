import type { GroupSpec } from './command-spec.js';

const load = async () => import('./snapshot.js');

export default {
  name: 'snapshot',
  summary: 'whole-cluster snapshots kept in .pgres/snapshots',
  commands: [
    {
      name: 'save',
      summary: 'copy the whole cluster (all databases) under a name; the server may keep running',
      arguments: [
        { name: 'name', summary: 'letters, digits, ".", "_", "-" (default: the local time)', optional: true },
      ],
      action: async () => (await load()).save,
    },
    {
      name: 'restore',
      summary: 'make the cluster exactly that snapshot (stops and restarts a running server)',
      arguments: [{ name: 'name' }],
      options: [{ long: 'yes', short: 'y', summary: 'do not ask for confirmation' }],
      destructive: true,
      action: async () => (await load()).restore,
    },
    {
      name: 'list',
      summary: 'name, time, size and PostgreSQL version of each snapshot',
      options: [{ long: 'json', summary: 'machine-readable output' }],
      action: async () => (await load()).list,
    },
    {
      name: 'rm',
      summary: 'delete a snapshot',
      arguments: [{ name: 'name' }],
      destructive: true,
      action: async () => (await load()).rm,
    },
  ],
} satisfies GroupSpec;
