/** The last `n` non-empty lines of a program's output, on one line for a message. */
export function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}

/**
 * The lines that say what went wrong: initdb and postgres end with clean-up chatter ("removing
 * contents of data directory") that would push the cause out of a short tail.
 */
export function errorLines(text: string, n: number): string {
  const lines = text.trim().split('\n').filter(Boolean);
  const errors = lines.filter((l) => /\b(error|FATAL|PANIC)\b|could not/i.test(l));
  return (errors.length ? errors : lines).slice(-n).join(' | ') || '(no output)';
}
