// What a config reload does to a running `up`, with fakes for the supervisor and the files: which
// changes restart postgres around held apps, roll back settings postgres refuses, keep the running
// configuration on an invalid file, move the apps on a branch switch, and wait for a control client.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { SourceBusyError } from '../../src/postgres/branch-database.js';
import type { Config } from '../../src/project/config.js';
import type { Project } from '../../src/project/project.js';
import { ConfigReload } from '../../src/up/config-reload.js';
import type { UpPhase } from '../../src/up/state.js';
import { Mutex } from '../../src/util/mutex.js';
import { apps, config, FakeTarget, project } from './fakes.js';

interface Setup {
  /** What the files say now: a config, or the error reading them gives. */
  files: Config | UserError;
  /** The git branch the files' project is on. */
  branch?: string;
  phase?: UpPhase;
  provisionFails?: boolean;
  /** This many provisions find the branch's source in use (the copy waits). */
  copyBusy?: number;
}

function harness(setup: Setup) {
  const target = new FakeTarget();
  const said: string[] = [];
  let current: Project = project();
  const exclusive = new Mutex();
  let fatal = 0;
  let applied = 0;
  const reload = new ConfigReload({
    target,
    project: {
      get current() {
        return current;
      },
      replace: (next) => (current = next),
    },
    load: (cfg?: Config) => {
      if (setup.files instanceof UserError) throw setup.files;
      return project(cfg ?? setup.files, setup.branch);
    },
    apps,
    provision: async () => {
      target.calls.push('provision');
      if (setup.provisionFails) throw new UserError('postgres.extensions: "vector" is not available');
      if ((setup.copyBusy ?? 0) > 0) {
        setup.copyBusy!--;
        throw new SourceBusyError('postgres.branches: cannot copy database "shop" …', '1 session (psql)');
      }
    },
    exclusive,
    say: (line) => said.push(line),
    phase: () => setup.phase ?? 'running',
    applied: () => applied++,
    fatal: () => fatal++,
  });
  return {
    reload,
    target,
    said,
    exclusive,
    current: () => current,
    fatal: () => fatal,
    applied: () => applied,
  };
}

describe('a config reload', () => {
  it('a postgres.settings change restarts postgres with the apps held, provisions, then starts them', async () => {
    const h = harness({ files: config({ settings: { work_mem: '8MB' } }) });
    await h.reload.reload();
    expect(h.target.calls).toEqual(['hold reload', 'restart postgres', 'provision', 'release reload web@shop']);
    expect(h.current().config.postgres.settings).toEqual({ work_mem: '8MB' });
    expect(h.said).toEqual([
      'postgres.settings changed: restarting postgres (apps stop first and start again after it is back)',
    ]);
    expect(h.applied()).toBe(1);
  });

  it('settings postgres refuses are rolled back: it starts again with the previous ones', async () => {
    const h = harness({ files: config({ settings: { work_mem: 'lots' } }, { ignore: ['tmp/'] }) });
    h.target.failRestarts = 1;
    await h.reload.reload();
    expect(h.target.calls).toEqual(['hold reload', 'restart postgres', 'restart postgres', 'release reload web@shop']);
    // The previous postgres section, the rest of the new configuration.
    expect(h.current().config.postgres.settings).toEqual({});
    expect(h.current().config.watch.ignore).toEqual(['tmp/']);
    expect(h.said[1]).toBe(
      'postgres did not start with the new postgres.settings; restarting it with the previous ones (fix devenv.json)',
    );
    expect(h.fatal()).toBe(0);
  });

  it('postgres that does not come back with the previous settings either ends the run', async () => {
    const h = harness({ files: config({ tcp: true }) });
    h.target.failRestarts = 2;
    await h.reload.reload();
    expect(h.said.at(-1)).toBe('postgres did not come back: invalid value for work_mem; stopping');
    expect(h.fatal()).toBe(1);
    expect(h.target.calls.at(-1)).toBe('release reload web@shop');
  });

  it('an invalid file is one line and the running configuration stays', async () => {
    const before = harness({ files: config() });
    const h = harness({ files: new UserError('devenv.json: line 3: unexpected "}"') });
    await h.reload.reload();
    expect(h.said).toEqual(['devenv.json: line 3: unexpected "}"; keeping the running configuration']);
    expect(h.target.calls).toEqual([]);
    expect(h.current()).toEqual(before.current());
    expect(h.applied()).toBe(0);
  });

  it('a change that needs no restart provisions and reconfigures the apps only', async () => {
    const h = harness({ files: config({ extensions: ['citext'] }) });
    await h.reload.reload();
    expect(h.target.calls).toEqual(['provision', 'reconfigure web@shop']);
    expect(h.current().config.postgres.extensions).toEqual(['citext']);
  });

  it('settings that identify the cluster are said and kept', async () => {
    const h = harness({ files: config({ version: '16', binaries: 'system' }) });
    await h.reload.reload();
    expect(h.said).toEqual([
      'postgres.version, postgres.binaries changed: stop and run `devenv up` again to apply them',
    ]);
    expect(h.current().config.postgres.version).toBeUndefined();
    expect(h.target.calls).toEqual(['provision', 'reconfigure web@shop']);
  });

  it('a renamed postgres.database is made while the apps are held, and they start on it', async () => {
    const h = harness({ files: config({ database: 'other' }) });
    await h.reload.reload();
    expect(h.said).toEqual(['postgres.database changed: the apps move to database "other"']);
    expect(h.target.calls).toEqual(['hold reload', 'provision', 'release reload web@other']);
    expect(h.current().database).toBe('other');
  });

  it("a git branch switch holds the apps, makes the branch's database, and starts them on it", async () => {
    const h = harness({ files: config(), branch: 'feature' });
    await h.reload.reload();
    expect(h.said).toEqual(['git branch "feature": the apps move to database "shop__feature"']);
    expect(h.target.calls).toEqual(['hold reload', 'provision', 'release reload web@shop__feature']);
  });

  it('a branch whose database cannot be made: the apps start again where they were', async () => {
    const h = harness({ files: config(), branch: 'feature', provisionFails: true });
    await h.reload.reload();
    expect(h.said[1]).toBe('postgres.extensions: "vector" is not available; the apps stay on database "shop"');
    expect(h.target.calls).toEqual(['hold reload', 'provision', 'release reload web@shop']);
    expect(h.current().branch).toBeNull();
  });

  it("a branch whose source is in use: the apps wait on the branch's database, and it is tried again", async () => {
    const setup: Setup = { files: config(), branch: 'feature', copyBusy: 2 };
    const h = harness(setup);
    await h.reload.reload();
    // The apps stay down (the copy's hold outlasts the reload's); the project is the branch's, as for exec and status.
    expect(h.target.calls).toEqual([
      'hold reload',
      'provision',
      'hold branch copy',
      'release reload web@shop__feature',
    ]);
    expect(h.current().branch?.database).toBe('shop__feature');
    const waiting =
      'database "shop__feature" is a copy of "shop", which 1 session (psql) uses: the apps wait until they end ' +
      '(a copy needs it idle), trying again every few seconds';
    expect(h.said).toEqual(['git branch "feature": the apps move to database "shop__feature"', waiting]);
    h.target.calls.length = 0;
    await h.reload.reload(); // the retry (its timer queues a reload): still in use, said once
    expect(h.target.calls).toEqual(['hold reload', 'provision', 'release reload web@shop__feature']);
    expect(h.said).toHaveLength(2);
    h.target.calls.length = 0;
    await h.reload.reload(); // now it is made: the apps start on it
    expect(h.target.calls).toEqual([
      'hold reload',
      'provision',
      'release branch copy',
      'release reload web@shop__feature',
    ]);
    await h.reload.close();
  });

  it('apps waiting for a branch copy go back to the main database with the default branch', async () => {
    const setup: Setup = { files: config(), branch: 'feature', copyBusy: 1 };
    const h = harness(setup);
    await h.reload.reload();
    setup.branch = undefined;
    h.target.calls.length = 0;
    await h.reload.reload();
    expect(h.target.calls).toEqual(['hold reload', 'provision', 'release branch copy', 'release reload web@shop']);
    expect(h.said.at(-1)).toBe('the default git branch: the apps move to database "shop"');
    await h.reload.close();
  });

  it('waits while a control client holds the run, then applies; nothing once the run is stopping', async () => {
    const h = harness({ files: config({ settings: { work_mem: '8MB' } }) });
    const release = await h.exclusive.lock();
    const done = h.reload.reload();
    await new Promise((r) => setTimeout(r, 5));
    expect(h.said).toEqual(['another devenv command is using devenv up: the reload waits for it']);
    expect(h.target.calls).toEqual([]);
    release();
    await done;
    expect(h.target.calls[0]).toBe('hold reload');

    const stopping = harness({ files: config({ settings: { work_mem: '8MB' } }), phase: 'stopping' });
    await stopping.reload.reload();
    expect(stopping.target.calls).toEqual([]);
  });
});
