import { type CommandSpec, type Declared, isGroup } from '../../src/commands/command-spec.js';
import { COMMANDS } from '../../src/commands/registry.js';

/** Every declared command that runs (sub-commands included), with the words that name it. */
export const LEAVES: { path: string[]; spec: CommandSpec }[] = COMMANDS.flatMap((d) =>
  isGroup(d) ? d.commands.map((spec) => ({ path: [d.name, spec.name], spec })) : [{ path: [d.name], spec: d }],
);

/** Each level of commands with the words that reach it: the top level, then each group's sub-commands. */
export const LEVELS: { path: string[]; commands: readonly Declared[] }[] = [
  { path: [], commands: COMMANDS },
  ...COMMANDS.filter(isGroup).map((g) => ({ path: [g.name], commands: g.commands })),
];
