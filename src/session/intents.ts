import { LoginError } from '../errors';

/**
 * What the user asked for last: every start of a session (login, code exchange, `setSession`, cookie
 * resume) and every `logout()` bumps it. A start is refused only by a `logout()`, a newer start or
 * `dispose()` that came after it began — never by the end of an older session — and then with a
 * `LoginError` that says which.
 */
export function createIntents() {
  let count = 0;
  let cause: 'logout' | 'superseded' = 'superseded';
  return {
    /** A start begins: returns its ticket. */
    start(): number {
      cause = 'superseded';
      return ++count;
    },
    logout(): void {
      count++;
      cause = 'logout';
    },
    /** The current ticket, without starting anything: a start that must yield to any login (a cookie resume). */
    peek: (): number => count,
    isCurrent: (ticket: number): boolean => ticket === count,
    refusal(disposed: boolean): LoginError {
      const reason = disposed ? 'disposed' : cause;
      const message = reason === 'disposed' ? 'The client was disposed while signing in.' : reason === 'logout' ? 'A logout came after this login began.' : 'A newer login replaced this one.';
      return new LoginError(message, { reason });
    },
  };
}
