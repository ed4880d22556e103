// One error family for what the user can fix (configuration, flags, rules,
// a sandbox that cannot start): a message for people and exit status 2,
// mapped once in the CLI's entry point. Anything else is a bug: exit 1.

export class UserError extends Error {
  /** The process exit status; 2 unless a subclass says otherwise. */
  readonly exitCode: number = 2;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
