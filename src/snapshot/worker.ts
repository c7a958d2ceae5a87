/**
 * The file worker: started by a root devenv, it becomes the account that owns .pgres before it touches
 * anything, then runs file operations sent as JSON lines on stdin and answers each on stdout.
 * Usage: node worker.js UID GID. It exits when its parent's end of stdin closes (the parent died).
 */
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { fileOps, type OpName } from './file-ops.js';

const [uid, gid] = process.argv.slice(2).map(Number);
if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid! <= 0) {
  process.stderr.write('usage: worker.js UID GID (an unprivileged account)\n');
  process.exit(64);
}
// Supplementary groups first (only root may change them), then the group, then the user.
process.setgroups?.([]);
process.setgid!(gid!);
process.setuid!(uid!);
if (process.getuid!() !== uid || process.geteuid!() !== uid || process.getegid!() !== gid) {
  process.stderr.write('could not become the account\n');
  process.exit(70);
}
process.chdir('/');

interface Request {
  id: number;
  op: OpName;
  args: unknown;
}

const send = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
  } catch {
    return;
  }
  const op = fileOps[req.op] as ((args: unknown) => Promise<unknown>) | undefined;
  if (typeof op !== 'function') {
    send({ id: req.id, ok: false, error: { message: `unknown operation ${String(req.op)}` } });
    return;
  }
  try {
    send({ id: req.id, ok: true, result: (await op(req.args)) ?? null });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({
      id: req.id,
      ok: false,
      error: { message: e?.message ?? String(err), code: e?.code, user: err instanceof UserError },
    });
  }
});
// The parent is gone: nobody wants the rest of the work (a half-made dir is removed by the next command).
rl.on('close', () => process.exit(0));
