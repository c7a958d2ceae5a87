import { UserError } from '../errors.js';
import { bash } from './bash.js';
import { fish } from './fish.js';
import type { Shell } from './shell.js';
import { zsh } from './zsh.js';

export const SHELLS: Record<Shell['name'], Shell> = { bash, zsh, fish };

export function shellByName(name: string): Shell {
  if (Object.hasOwn(SHELLS, name)) return SHELLS[name as Shell['name']];
  throw new UserError(`unknown shell "${name}": expected bash, zsh or fish`);
}
