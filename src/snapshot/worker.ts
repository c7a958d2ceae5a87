/**
 * The file worker. Started by a root devenv with `--as UID GID`, it becomes the account that owns .pgres
 * before it touches anything (it starts as root only so it can load node and our code wherever they are
 * installed). Then either it runs one operation and exits (`--job JSON`, a background job), or it runs
 * operations sent as JSON lines on stdin, answering each on stdout, until stdin closes (its parent is
 * done, or died).
 */
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { fileOps, type OpName } from './file-ops.js';

interface Request {
  id: number;
  op: OpName;
  args: unknown;
}

const argv = process.argv.slice(2);
if (argv[0] === '--as') {
  const [uid, gid] = argv.slice(1, 3).map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid! <= 0) {
    process.stderr.write('usage: worker.js [--as UID GID] [--job JSON]\n');
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
  argv.splice(0, 3);
}
process.chdir('/');

async function perform(req: Request): Promise<unknown> {
  const op = fileOps[req.op] as ((args: unknown) => Promise<unknown>) | undefined;
  if (typeof op !== 'function') throw new Error(`unknown operation ${String(req.op)}`);
  return (await op(req.args)) ?? null;
}

if (argv[0] === '--job') {
  try {
    await perform(JSON.parse(argv[1] ?? '') as Request);
  } catch (err) {
    // Nobody is waiting for a background job; its leftovers are tidied by the next command.
    process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
} else {
  const send = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
    } catch {
      return;
    }
    try {
      send({ id: req.id, ok: true, result: await perform(req) });
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
}
