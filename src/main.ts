// Entry point: bin/devenv runs node on this file.
import { main } from './cli.js';
import { restoreUserNodeEnv } from './util/node-env.js';

// The launcher kept these out of our own node; the processes we start get them back.
restoreUserNodeEnv(process.env);

await main(process.argv);
