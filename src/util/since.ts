// `--since`: how far back to look, as an age (`30s`, `10m`, `1h`, `2d`) or a time (RFC 3339).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The moment `text` names, in ms since the epoch, or null when it names none. A time without an
 * offset (`2026-12-03 10:04`) is this machine's local time.
 */
export function parseSince(text: string, now: number): number | null {
  const age = /^(\d+)([smhd])$/.exec(text.trim());
  if (age) return now - Number(age[1]) * UNIT_MS[age[2]!]!;
  const time = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:\d\d)?)?$/i.exec(text.trim());
  if (!time) return null;
  const [, date, clock, zone] = time;
  // A date alone is its midnight, local; Date.parse would take it as UTC.
  const ms = Date.parse(`${date}T${clock ?? '00:00'}${zone?.toUpperCase() ?? ''}`);
  return Number.isNaN(ms) ? null : ms;
}

/** What `--since` accepts, for the one line that says a value is not one of them. */
export const SINCE_FORMS = 'an age like 30s, 10m, 1h or 2d, or a time like 2026-12-03T10:04:14Z';
