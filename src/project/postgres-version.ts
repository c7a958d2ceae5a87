// postgres.version in devenv.json: a major ("16", or the number 16 older files use) or an exact minor ("16.10").

/** The PostgreSQL a project asks for. */
export interface WantedVersion {
  major: number;
  /** Set for an exact "16.10": only that minor will do. */
  minor?: number;
}

/** Majors 10 and later have two-part versions (16.10); older ones (9.6.24) are not supported. */
const FORM = /^([1-9][0-9])(?:\.(0|[1-9][0-9]{0,2}))?$/;

/** The canonical text of a postgres.version value ("16", "16.10"), or null when it is not one. */
export function normalizeVersion(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  return typeof text === 'string' && FORM.test(text) ? text : null;
}

/** Parse a canonical version text (see normalizeVersion). */
export function parseVersion(text: string): WantedVersion | null {
  const m = FORM.exec(text);
  if (!m) return null;
  return m[2] === undefined ? { major: Number(m[1]) } : { major: Number(m[1]), minor: Number(m[2]) };
}

export function versionText(v: WantedVersion): string {
  return v.minor === undefined ? String(v.major) : `${v.major}.${v.minor}`;
}

/** Does a server version ("16.10", as `postgres --version` says it) satisfy what was asked? */
export function satisfies(serverVersion: string, wanted: WantedVersion): boolean {
  const [major, minor] = serverVersion.split('.').map(Number);
  return major === wanted.major && (wanted.minor === undefined || minor === wanted.minor);
}
