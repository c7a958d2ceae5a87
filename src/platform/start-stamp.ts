// How a process's start time is written down: whole seconds, UTC, ISO 8601. Both implementations read the
// same kernel value (Linux: boot time + clock ticks, as procps' `ps -o lstart` computes it; macOS: the
// process's recorded start), so both write the same stamp for the same process.

/** The stamp of a start `seconds` after the epoch. */
export function startStamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** An older devenv recorded Linux clock ticks since boot: digits only. */
export function isTickStamp(recorded: string): boolean {
  return /^\d+$/.test(recorded);
}
