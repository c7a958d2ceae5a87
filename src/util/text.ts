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

/** One rule for sizes: KiB under a MiB, MiB (one decimal) under a GiB, then GiB (two decimals). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** One rule for times in tables and messages: the local time to the second, `YYYY-MM-DD HH:MM:SS`. */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${date} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Rows as columns two spaces apart, each as wide as its widest cell (nothing trails a line). */
export function formatTable(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/**
 * The lines that say why a process failed, for one line of a message: its last `n` non-blank lines, led by
 * the last line that names an error (`Error:`, `TypeError:`, `FATAL:`) when that one came earlier (a stack
 * trace pushes it out of a short tail).
 */
export function telltaleLines(lines: readonly string[], n: number): string[] {
  const said = lines.filter((l) => l.trim() !== '');
  const last = said.slice(-n);
  const error = said.filter((l) => /(\w*(error|exception)|fatal|panic):/i.test(l)).at(-1);
  return error !== undefined && !last.includes(error) ? [error, '…', ...last.slice(1)] : last;
}
