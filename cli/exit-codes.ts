/** Exit codes shared by every command (sysexits.h where one fits). */
export const ExitCode = {
  ok: 0,
  /** The command ran and found problems (e.g. `log verify` found corruption). */
  problemsFound: 1,
  usage: 64,
  /** An input file or data dir does not exist. */
  noInput: 66,
  software: 70,
  /** The configuration is invalid. */
  config: 78,
} as const;
