// A process an app starts outside its process group and session (setsid) is not reached by stopping
// the group: `up` finds it by the mark of its run in its environment and stops it at `down`, and after
// a `devenv up` killed with SIGKILL the next `down` does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { procStat } from '../helpers/proc.js';
import { devenv, waitFor } from '../helpers/project.js';
import { assertPidGone } from '../supervisor/helpers.js';
import { environOf, finish, logText, makeProject, pidAlive, supervisorPid, waitRunning } from './helpers.js';

/** The app leaves a `sleep` in a session of its own, and writes down its pid. */
const APP = "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' & sleep 1000";

describe('what an app starts with setsid', () => {
  const dir = makeProject('up-escapees', {
    'devenv.json': JSON.stringify({ processes: { web: { command: APP, watch: false } } }),
  });
  const groups = new Set<number>();
  const escaped = async (): Promise<number> => {
    const file = path.join(dir, 'escaped.pid');
    let pid = 0;
    await waitFor(() => {
      try {
        pid = Number(readFileSync(file, 'utf8'));
      } catch {
        return false;
      }
      return pid > 0 && pidAlive(pid);
    }, 'the escaped sleep');
    return pid;
  };
  afterAll(() => finish(dir, groups));

  it('is stopped by down, though it left the app group and session', async () => {
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const web = await waitRunning(dir, 'web');
    groups.add(web.pid!);
    const pid = await escaped();
    expect(procStat(pid)!.pgrp).not.toBe(web.pid);
    expect(environOf(pid).PGRES_UP_RUN).toMatch(/^\d+-[0-9a-f]{12}$/);
    expect((await devenv(dir, ['down'])).code).toBe(0);
    assertPidGone(pid);
    expect(logText(dir, 'devenv')).toMatch(
      new RegExp(`stopping what the apps started outside their process groups \\(setsid, daemons\\): pid ${pid}\\n`),
    );
  });

  it('after devenv up was killed with SIGKILL, the next down stops it too', async () => {
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    groups.add((await waitRunning(dir, 'web')).pid!);
    const pid = await escaped();
    const supervisor = supervisorPid(dir)!;
    process.kill(supervisor, 'SIGKILL');
    await waitFor(() => !pidAlive(supervisor), 'devenv up gone');
    const down = await devenv(dir, ['down']);
    expect(down.code, down.stderr).toBe(0);
    assertPidGone(pid);
  });
});
