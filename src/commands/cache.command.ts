import type { GroupSpec } from './command-spec.js';

const load = async () => import('./cache.js');

export default {
  name: 'cache',
  summary: "PostgreSQL servers fetched into devenv's cache (all projects share them)",
  commands: [
    {
      name: 'list',
      summary: 'version, package, size, date and place of each fetched server, and which run',
      options: [{ long: 'json', summary: 'machine-readable output' }],
      action: async () => (await load()).list,
    },
    {
      name: 'fetch',
      summary: "fetch a PostgreSQL version ahead (default: the project's postgres.version), e.g. for offline use",
      arguments: [{ name: 'version', summary: 'a major ("16") or a minor ("16.10")', optional: true }],
      action: async () => (await load()).fetch,
    },
    {
      name: 'rm',
      summary: 'delete fetched servers: every 16.x for "16", or one minor ("16.10")',
      arguments: [{ name: 'version' }],
      destructive: true,
      action: async () => (await load()).rm,
    },
  ],
} satisfies GroupSpec;
