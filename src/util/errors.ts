/** Exit codes are part of the CLI's interface (README, "Exit codes"). */
export const EXIT_OK = 0;
/** A check failed: findings at or above --fail-on, or a metric regressed. */
export const EXIT_CHECK_FAILED = 1;
/** Bad input or usage: the user must change something before retrying. */
export const EXIT_BAD_INPUT = 2;

/**
 * An error the user can act on. `message` says what is wrong, where
 * (file, byte offset) and what to do next; the CLI prints it without a stack.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_BAD_INPUT) {
    super(message);
    this.name = 'UserError';
  }
}
