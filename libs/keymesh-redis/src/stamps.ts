/**
 * How far ahead of the local clock (or Redis's, in the save script) a state's `updatedAt` may be
 * and still be believed: the same allowance `@keymesh/core` applies to what a store hands it. A
 * fleet on NTP agrees within milliseconds; a stamp further ahead comes from a member whose clock
 * is wrong, or from anyone who can write to Redis, and would win every later "newest write wins".
 */
export const clockSkewAllowanceMs = 5_000;

/** Code of the reports about a stamp from the future (refused by Redis, or ignored on arrival). */
export const clockSkewCode = 'ERR_KEYMESH_CLOCK_SKEW';

/** An error with a stable code, for the store's reports. */
export function codedError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
