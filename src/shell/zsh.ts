import { renderPosixData } from './bash.js';
import { singleQuote } from './posix-quote.js';
import type { Shell } from './shell.js';

// The hook sources data under `emulate -L zsh` (no RC_QUOTES), so bash's quoting holds byte for byte.
export const zsh: Shell = {
  name: 'zsh',
  quote: singleQuote,
  exportVar: (key, value) => `export ${key}=${singleQuote(value)}`,
  unsetVar: (key) => `unset ${key}`,
  renderData: renderPosixData,
  hookFile: 'devenv.zsh',
};
