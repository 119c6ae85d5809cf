/** Process exit codes, named once. */
export const ExitCode = {
  ok: 0,
  /** A sync run failed (RingCentral error, malformed payload...). */
  syncFailed: 1,
  /** Bad environment variable or command-line flag. */
  usage: 2,
  /** Another process is syncing the same account stream. */
  locked: 3,
} as const;
