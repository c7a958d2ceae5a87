// The CLI: the bundle's entry (dist/bundle/cli.cjs, run by the loader, src/loader.ts).
import { main } from './cli.js';
import { restoreUserNodeEnv } from './util/node-env.js';
import { trace } from './util/trace.js';

trace('cli loaded');
// The launcher kept these out of our own node; the processes we start get them back.
restoreUserNodeEnv(process.env);

// main() reports every error itself and sets the exit code.
void main(process.argv);
