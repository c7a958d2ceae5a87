import type { GroupSpec } from './command-spec.js';

const load = async () => import('./branch.js');

export default {
  name: 'branch',
  summary: 'databases of git branches (postgres.branches "git")',
  commands: [
    {
      name: 'list',
      summary: 'the branch databases: branch, database, size, when made (* the current one)',
      options: [{ long: 'json', summary: 'machine-readable output' }],
      action: async () => (await load()).list,
    },
    {
      name: 'rm',
      summary: "drop a branch's database (by git branch or database name)",
      arguments: [{ name: 'name' }],
      destructive: true,
      action: async () => (await load()).rm,
    },
  ],
} satisfies GroupSpec;
