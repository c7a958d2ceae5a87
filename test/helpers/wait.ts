/**
 * Poll `pred` until it holds. A deadline, not a timing assertion: past `timeoutMs` it fails naming
 * what it waited for, plus `detail()` when given (e.g. the log it searched).
 */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  what: string,
  opts: { timeoutMs?: number; stepMs?: number; detail?: () => string } = {},
): Promise<void> {
  const { timeoutMs = 10000, stepMs = 10 } = opts;
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${opts.detail ? `\n${opts.detail()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
