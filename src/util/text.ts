/** The last `n` non-empty lines of a program's output, on one line for a message. */
export function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}
