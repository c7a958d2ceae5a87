/** \c (connect to another database or as another user, keeping the connection on failure) and \conninfo. */
import { ConnectError, Connection, type ConnectTarget } from './connection.js';
import { type Arg, sqlName } from './meta-args.js';
import type { MetaResult } from './meta-commands.js';
import type { Shell } from './shell.js';

function via(t: ConnectTarget): string {
  return t.host.startsWith('/') ? `via socket in "${t.host}"` : `on host "${t.host}"`;
}

export function connectionInfo(shell: Shell): string {
  const t = shell.conn.target;
  return `You are connected to database "${t.database}" as user "${shell.conn.user}" ${via(t)} at port "${t.port}".`;
}

/** `\c [DBNAME|- [USER|- [HOST|- [PORT|-]]]]`: "-" (or nothing) keeps the current value. */
export async function reconnectTo(shell: Shell, args: Arg[]): Promise<MetaResult> {
  const old = shell.conn.target;
  const pick = (i: number, current: string, name = true) => {
    const a = args[i];
    if (!a || a.value === '-') return current;
    return name ? sqlName(a.value) : a.value;
  };
  const target: ConnectTarget = {
    ...old,
    database: pick(0, old.database),
    user: pick(1, shell.conn.user),
    host: pick(2, old.host, false),
    port: Number(pick(3, String(old.port), false)),
  };
  let conn: Connection;
  try {
    conn = await Connection.open(target);
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    shell.error(`\\connect: ${err.message}`);
    if (shell.source?.interactive) {
      shell.error('Previous connection kept');
      return 'error';
    }
    // As psql: a script that could not connect goes on without a connection, so it ends here.
    await shell.conn.close();
    return 'lost';
  }
  await shell.conn.close();
  shell.replaceConnection(conn);
  const sameServer = target.host === old.host && target.port === old.port;
  const where = sameServer ? '' : ` ${via(target)} at port "${target.port}"`;
  shell.info(`You are now connected to database "${target.database}" as user "${conn.user}"${where}.`);
  return 'ok';
}
