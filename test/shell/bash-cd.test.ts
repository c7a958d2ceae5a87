/**
 * bash runs prompt hooks only at the prompt, so `cd x && cmd` on one line normally runs cmd with the
 * old environment. The opt-in PGRES_HOOK_CD=1 wraps cd/pushd/popd so it sees the new one.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needForEach } from '../helpers/tools.js';
import { makeSandbox, type Sandbox, TmuxShell, waitGone } from './tmux.js';

describe('bash with the opt-in cd wrapper', () => {
  const here = needForEach('bash', 'tmux');
  let sb: Sandbox;
  let sh: TmuxShell;
  let project: string;

  beforeAll(async () => {
    if (!here) return;
    sb = makeSandbox('bashcd');
    project = path.join(sb.dir, 'proj');
    mkdirSync(path.join(project, 'sub'), { recursive: true });
    writeFileSync(path.join(project, 'devenv.json'), '{}\n');
    writeFileSync(
      path.join(sb.home, '.bashrc'),
      ["PS1='[$?] PROMPT> '", 'PGRES_HOOK_CD=1', 'eval "$(devenv hook bash)"', ''].join('\n'),
    );
    sh = new TmuxShell('bash', sb);
    await sh.start();
  });

  afterAll(async () => {
    sh?.kill();
    if (sb) {
      expect(await waitGone(sb, [sh.socket])).toEqual([]);
      rmSync(sb.dir, { recursive: true, force: true });
    }
  });

  it('cd, pushd and popd apply the environment within the same command line, exit status kept', async () => {
    const enter = await sh.run(`cd '${project}' && printf '<%s>\\n' "$PGDATA"`);
    expect(enter.output).toContain(`<${path.join(project, '.pgres')}>`);
    const leave = await sh.run(`cd / && printf '<%s>\\n' "\${PGDATA-unset}"`);
    expect(leave.output).toContain('<unset>');
    const pushed = await sh.run(
      `pushd '${project}/sub' >/dev/null && printf '<%s>\\n' "$PGDATA"; ` +
        `popd >/dev/null && printf '<%s>\\n' "\${PGDATA-unset}"`,
    );
    expect(pushed.output).toContain(`<${path.join(project, '.pgres')}>`);
    expect(pushed.output).toContain('<unset>');
    expect((await sh.runStatus('cd /no/such/dir')).status).toBe(1);
  });
});
