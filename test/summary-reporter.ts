import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with the plain "N passed, N failed, N skipped" line that CI logs are read by, after one
 * line per distinct reason tests were skipped for, with how many (a missing tool is seen there, not
 * only as a smaller count). A test file that fails to load, and an unhandled error, count as failures.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const count = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    const reasons = new Map<string, number>();
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === 'passed') count.passed++;
        else if (result.state === 'failed') failedHere++;
        else {
          count.skipped++;
          // A test skipped by ctx.skip(reason) carries it; it.skip / skipIf / a filter give none.
          const reason = (result.state === 'skipped' && result.note) || 'no reason given';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      if (failedHere === 0 && m.state() === 'failed') failedHere = 1;
      count.failed += failedHere;
    }
    const lines = [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const skips = lines.map(([reason, n]) => `skipped ${n}: ${reason}\n`).join('');
    process.stdout.write(`\n${skips}tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
