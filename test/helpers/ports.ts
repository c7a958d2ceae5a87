import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 for a test's server. Not from the kernel's ephemeral range
 * (ip_local_port_range, 32768–60999 here): every outgoing connection of every process on the
 * machine borrows ports from there, so a port that was free a moment ago can be taken by one of
 * them before the test binds it again. 10000–19999 is below it (devenv's TCP tests use 20000–29999).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 10000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port in 10000-19999');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
