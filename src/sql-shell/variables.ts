/** psql variables (\set, -v): plain strings, a few of which steer the shell (ON_ERROR_STOP, QUIET, ECHO…). */

export class Variables {
  private readonly values = new Map<string, string>();

  constructor() {
    const defaults: [string, string][] = [
      ['AUTOCOMMIT', 'on'],
      ['ECHO', 'none'],
      ['ECHO_HIDDEN', 'off'],
      ['ON_ERROR_ROLLBACK', 'off'],
      ['ON_ERROR_STOP', 'off'],
      ['PROMPT1', '%/%R%x%# '],
      ['PROMPT2', '%/%R%x%# '],
      ['PROMPT3', '>> '],
      ['QUIET', 'off'],
      ['SHOW_CONTEXT', 'errors'],
      ['VERBOSITY', 'default'],
    ];
    for (const [k, v] of defaults) this.values.set(k, v);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  unset(name: string): void {
    this.values.delete(name);
  }

  /** psql's boolean reading: on/off, true/false, yes/no, 1/0 and unique prefixes of them. */
  bool(name: string): boolean {
    return parseBool(this.values.get(name)) ?? false;
  }

  entries(): [string, string][] {
    return [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

export function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (v === '1' || v === 'on' || 'true'.startsWith(v) || 'yes'.startsWith(v)) return true;
  if (v === '0' || v === 'off' || v === 'of' || 'false'.startsWith(v) || 'no'.startsWith(v)) return false;
  return undefined;
}
