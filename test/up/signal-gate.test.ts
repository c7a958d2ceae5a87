import { afterEach, describe, expect, it } from 'vitest';
import { SignalGate } from '../../src/up/signal-gate.js';

// Which requests to end `up` count as asking again (kill at once). The terminal test covers the
// real `| tee` job; the order its SIGINT and EPIPE arrive in is up to the kernel, so both are here.
describe('SignalGate', () => {
  const gates: SignalGate[] = [];
  afterEach(() => {
    for (const g of gates.splice(0)) g.close();
  });

  function gate(): { g: SignalGate; seen: [string, boolean][] } {
    const g = new SignalGate();
    gates.push(g);
    const seen: [string, boolean][] = [];
    g.handle((reason, again) => seen.push([reason, again]));
    return { g, seen };
  }

  it('one Ctrl-C to `up | tee`: EPIPE then SIGINT is one ask, and so is SIGINT then EPIPE', () => {
    const a = gate();
    a.g.request('stdout closed (EPIPE)', false);
    a.g.request('SIGINT', true);
    expect(a.seen).toEqual([
      ['stdout closed (EPIPE)', false],
      ['SIGINT', false],
    ]);
    const b = gate();
    b.g.request('SIGINT', true);
    b.g.request('stdout closed (EPIPE)', false);
    expect(b.seen.map(([, again]) => again)).toEqual([false, false]);
  });

  it('a second firm request is asking again; a closed terminal never is', () => {
    const { g, seen } = gate();
    g.request('SIGHUP', false);
    g.request('SIGHUP', false);
    g.request('SIGTERM');
    g.request('stderr closed (EIO)', false);
    g.request('SIGINT');
    expect(seen.map(([, again]) => again)).toEqual([false, false, false, false, true]);
  });

  it('a request before the handler is set is kept as pending and counts as the first ask', () => {
    const g = new SignalGate();
    gates.push(g);
    g.request('SIGINT');
    g.request('SIGTERM');
    expect(g.pending).toBe('SIGINT');
    const seen: boolean[] = [];
    g.handle((_r, again) => seen.push(again));
    g.request('SIGINT');
    expect(seen).toEqual([true]);
  });
});
