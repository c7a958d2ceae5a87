// Entry point: bin/devenv runs node on this file.
import { main } from './cli.js';

// The launcher kept these out of our own node; the processes we start get them back.
for (const name of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']) {
  const saved = `PGRES_SAVED_${name}`;
  if (saved in process.env) {
    process.env[name] = process.env[saved];
    delete process.env[saved];
  }
}

await main(process.argv);
