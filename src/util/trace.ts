/**
 * PGRES_TRACE=1: a timeline of where a command's time goes, to stderr, in ms since the process started
 * (`performance.now()` counts from Node's time origin). Off, each call is one comparison: this module
 * imports nothing, so the hot path pays nothing to have it.
 */
const on = process.env.PGRES_TRACE === '1';
// The loader and the CLI bundle each hold a copy of this module: the registry symbol is one for both.
const STARTED = Symbol.for('devenv.trace.started');

/** One line of the timeline: `devenv trace   52.1 ms [pid] <what>` (the first also says when Node was ready). */
export function trace(what: string): void {
  if (!on) return;
  const global = globalThis as { [STARTED]?: boolean };
  if (!global[STARTED]) {
    global[STARTED] = true;
    // The global's type is the DOM one; Node's object has nodeTiming too (no perf_hooks import needed).
    const timing = (performance as unknown as { nodeTiming: { bootstrapComplete: number } }).nodeTiming;
    mark(timing.bootstrapComplete, 'node ready (bootstrap complete)');
    process.once('exit', (code) => mark(performance.now(), `exit ${code}`));
  }
  mark(performance.now(), what);
}

function mark(ms: number, what: string): void {
  process.stderr.write(`devenv trace ${ms.toFixed(1).padStart(7)} ms [${process.pid}] ${what}\n`);
}
