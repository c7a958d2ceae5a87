// How a process's start is written down. As a fact both implementations give alike: whole seconds, UTC,
// ISO 8601 (Linux: boot time + clock ticks, as procps' `ps -o lstart` computes it; macOS: the start the
// kernel recorded, as BSD ps shows it). As a record to recognise the process by later, Linux keeps the
// clock ticks since boot instead: they never move, while the boot time in wall-clock seconds moves when
// the clock is stepped (a VM resumed, NTP correcting a drift) and a live process would look like another.

/** The stamp of a start `seconds` after the epoch. */
export function startStamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A record in Linux clock ticks since boot: digits only. */
export function isClockTicks(recorded: string): boolean {
  return /^\d+$/.test(recorded);
}
