// node:crypto, loaded on first use: loading it costs ~3.5 ms, and most commands reach the point where
// they start postgres (or answer the shell) without needing it.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);
let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  loaded ??= requireBuiltin('node:crypto') as typeof import('node:crypto');
  return loaded;
}
