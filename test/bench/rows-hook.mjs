// Benchmark row 6: the shell hook's prompt function in bash against direnv's, idle, entering, leaving and
// after a change, timed inside one bash and (with strace) counted in processes spawned.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runOk, summary, which } from './lib.mjs';
import { addRow } from './results.mjs';
import { CLI, ENV, freshDir, SIZES, TMP } from './settings.mjs';

// ---------------------------------------------------------------- 6: shell hook vs direnv
/**
 * One bash runs the prompt function N times and times each call with EPOCHREALTIME (pure shell, no
 * process for the measurement). Phases are marked with `: <file` (an open(2) strace can see), so an
 * strace run can count the processes each phase spawns.
 */
function hookScript() {
  return `# args: hook-file hook-function project outside marks N N_enter rewrite(0|1)
source "$1"
H=$2 P=$3 O=$4 M=$5 N=$6 NE=$7 RW=$8
cd "$O"; $H 2>/dev/null
cd "$P"; $H 2>/dev/null
idle=() enter=() leave=() changed=()
: <"$M/idle"
for ((i = 0; i < N; i++)); do
  s=$EPOCHREALTIME; $H; e=$EPOCHREALTIME; idle+=($((10#\${e/./} - 10#\${s/./})))
done 2>/dev/null
for ((i = 0; i < NE; i++)); do
  : <"$M/leave"; s=$EPOCHREALTIME; cd "$O"; $H; e=$EPOCHREALTIME; leave+=($((10#\${e/./} - 10#\${s/./})))
  : <"$M/enter"; s=$EPOCHREALTIME; cd "$P"; $H; e=$EPOCHREALTIME; enter+=($((10#\${e/./} - 10#\${s/./})))
done 2>/dev/null
if [ "$RW" = 1 ]; then
  envtext=$(<"$P/.env")
  for ((i = 0; i < NE; i++)); do
    : <"$M/leave"; cd "$O"; $H
    # Same bytes (trust still holds), newer mtime: the cached answer is stale. A running \`devenv up\`
    # renders it again within a few ms (a person takes longer to press enter); without one, node runs.
    printf '%s\\n' "$envtext" >"$P/.env"
    : <"$M/wait"; sleep 0.2
    : <"$M/changed"; s=$EPOCHREALTIME; cd "$P"; $H; e=$EPOCHREALTIME; changed+=($((10#\${e/./} - 10#\${s/./})))
  done 2>/dev/null
fi
: <"$M/end"
echo "idle \${idle[*]}"; echo "enter \${enter[*]}"; echo "leave \${leave[*]}"; echo "changed \${changed[*]}"
`;
}

export async function rowShellHook() {
  const direnv = which('direnv');
  const bash = which('bash');
  const strace = which('strace');
  if (!bash) throw new Error('bash not found');
  const proj = freshDir('hook-project');
  const out = freshDir('hook-outside');
  const marks = freshDir('hook-marks');
  for (const m of ['idle', 'leave', 'enter', 'wait', 'changed', 'end']) writeFileSync(path.join(marks, m), '');
  writeFileSync(path.join(proj, 'devenv.json'), '{}\n');
  writeFileSync(path.join(proj, '.env'), 'API_KEY=abc123\nGREETING="hello world"\n');
  // direnv's equivalent: the same six variables devenv computes, plus the same .env.
  const contract = JSON.parse((await runOk(CLI, ['env', '--shell', 'json'], { cwd: proj, env: ENV })).stdout);
  writeFileSync(
    path.join(proj, '.envrc'),
    `${Object.entries(contract)
      .map(([k, v]) => `export ${k}='${v}'`)
      .join('\n')}\ndotenv\n`,
  );
  await runOk(CLI, ['allow'], { cwd: proj, env: ENV });
  const oursHook = path.join(TMP, 'hook.bash');
  writeFileSync(oursHook, (await runOk(CLI, ['hook', 'bash'], { env: ENV })).stdout);
  const script = path.join(TMP, 'hook-bench.bash');
  writeFileSync(script, hookScript());
  // 6c with `devenv up` running in the project (it renders the answer again on a change), 6e without.
  await runOk(CLI, ['init'], { cwd: proj, env: ENV });
  const sides = [
    { name: 'ours', hook: oursHook, fn: '__pgres_hook', rw: '1', up: true },
    { name: 'ours-no-up', hook: oursHook, fn: '__pgres_hook', rw: '1', n: 0 },
  ];
  if (direnv) {
    await runOk(direnv, ['allow', proj], { env: ENV });
    const dh = path.join(TMP, 'direnv.bash');
    writeFileSync(dh, (await runOk(direnv, ['hook', 'bash'], { env: ENV })).stdout);
    sides.push({ name: 'direnv', hook: dh, fn: '_direnv_hook', rw: '0' });
  }
  const res = {};
  for (const side of sides) {
    if (side.up) {
      // The answer exists before \`up\` starts (a shell was in the project): \`up\` checks it renders it the same.
      await runOk(bash, ['--norc', '--noprofile', '-c', `. '${side.hook}'; cd '${proj}'; ${side.fn}`], { env: ENV });
      await runOk(CLI, ['up', '-d'], { cwd: proj, env: ENV });
    }
    const r = await runOk(
      bash,
      [
        '--norc',
        '--noprofile',
        script,
        side.hook,
        side.fn,
        proj,
        out,
        marks,
        String(side.n ?? SIZES.hookN),
        String(SIZES.hookEnterN),
        side.rw,
      ],
      { env: ENV },
    );
    const parsed = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [k, ...v] = l.trim().split(/\s+/);
          return [k, v.map(Number).filter((x) => Number.isFinite(x))];
        }),
    );
    res[side.name] = {
      times: parsed,
      spawns: strace ? await countSpawns(strace, bash, script, side, proj, out, marks) : null,
    };
    if (side.up) await runOk(CLI, ['down'], { cwd: proj, env: ENV });
  }
  const o = res.ours;
  const d = res.direnv;
  const per = (sp, phase, n) => (sp ? sp[phase] / n : null);
  const spawnNote = (sp, phases) =>
    sp
      ? phases.map(([ph, n]) => `${ph}: ${(sp[ph] / n).toFixed(2)} proc/call`).join(', ')
      : 'process count needs strace';
  const nIdleS = 10;
  const nEnterS = 3;
  const idleSpawns = per(o.spawns, 'idle', nIdleS);
  addRow({
    id: '6a',
    title: 'shell hook, idle prompt (bash, same dir, nothing changed)',
    unit: 'µs',
    ours: { label: '__pgres_hook', samples: o.times.idle },
    theirs: d && { label: '_direnv_hook', samples: d.times.idle },
    target: { maxRatio: 0.05, spawns: 0 },
    met: d
      ? summary(o.times.idle).median / summary(d.times.idle).median <= 0.05 && (idleSpawns === null || idleSpawns === 0)
      : null,
    spawns: { ours: o.spawns, direnv: d?.spawns },
    note:
      `ours ${spawnNote(o.spawns, [['idle', nIdleS]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['idle', nIdleS]]) : 'not installed'}`,
  });
  addRow({
    id: '6b',
    title: 'shell hook, entering a project (cached answer)',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (cache hit)', samples: o.times.enter },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: { maxRatio: 0.1 },
    note:
      `ours ${spawnNote(o.spawns, [['enter', nEnterS]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['enter', nEnterS]]) : '-'}`,
  });
  addRow({
    id: '6c',
    title: 'shell hook, entering after .env/devenv.json changed, `devenv up` running',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (up rendered the answer)', samples: o.times.changed },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: { maxRatio: 0.5, spawns: 0 },
    met: d
      ? summary(o.times.changed).median / summary(d.times.enter).median <= 0.5 &&
        (o.spawns === null || o.spawns.changed === 0)
      : null,
    note: `ours ${spawnNote(o.spawns, [['changed', nEnterS]])}`,
  });
  addRow({
    id: '6d',
    title: 'shell hook, leaving a project',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook', samples: o.times.leave },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.leave },
    target: {},
    note:
      `ours ${spawnNote(o.spawns, [['leave', nEnterS * 2]])}; ` +
      `direnv ${d ? spawnNote(d.spawns, [['leave', nEnterS]]) : '-'}`,
  });
  const n = res['ours-no-up'];
  addRow({
    id: '6e',
    title: 'shell hook, entering after .env/devenv.json changed, nothing running (renders)',
    unit: 'µs',
    ours: { label: 'cd + __pgres_hook (node once)', samples: n.times.changed },
    theirs: d && { label: 'cd + _direnv_hook', samples: d.times.enter },
    target: {},
    note: `ours ${spawnNote(n.spawns, [['changed', nEnterS]])}`,
  });
  rmSync(proj, { recursive: true, force: true });
}

/** Count fork/clone (not threads) and vfork per phase, from an strace of a short run. */
async function countSpawns(strace, bash, script, side, proj, out, marks) {
  const log = path.join(TMP, `strace-${side.name}.txt`);
  await runOk(
    strace,
    [
      '-f',
      '-qq',
      '-o',
      log,
      '-e',
      'trace=fork,vfork,clone,clone3,openat',
      bash,
      '--norc',
      '--noprofile',
      script,
      side.hook,
      side.fn,
      proj,
      out,
      marks,
      '10',
      '3',
      side.rw,
    ],
    { env: ENV },
  );
  const counts = { setup: 0, idle: 0, leave: 0, enter: 0, wait: 0, changed: 0, end: 0 };
  let phase = 'setup';
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = line.includes(marks) ? /openat\([^"]*"([^"]+)"/.exec(line) : null;
    if (m?.[1].startsWith(marks)) {
      phase = path.basename(m[1]);
      continue;
    }
    if (/\b(fork|vfork)\(/.test(line) && !/resumed/.test(line)) counts[phase]++;
    else if (/\bclone3?\(/.test(line) && !/CLONE_THREAD/.test(line) && !/resumed/.test(line)) counts[phase]++;
  }
  rmSync(log, { force: true });
  return counts;
}
