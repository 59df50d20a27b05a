import type { LateEndpoints, TokenEndpoint } from './endpoint/token-endpoint';
import type { Clock } from './lifecycle/clock';
import type { StartResult } from './session/coordinator';
import type { SessionSnapshot } from './session/snapshot';

/** The key under which a client carries what optional features (the code flow) need from it. Not public API. */
export const INTERNALS = Symbol.for('tokenflight.internals');

/** What a client lends to optional features; never a token except the ID token kept for `id_token_hint`. */
export interface ClientInternals {
  readonly grant: TokenEndpoint['grant'];
  useEndpoints(resolve: () => Promise<LateEndpoints>): void;
  /** Starts a session through the coordinator's one way in (`start`). */
  start(obtain: () => Promise<StartResult>): Promise<SessionSnapshot>;
  /** The raw ID token of the current session, or `null`. */
  idToken(): string | null;
  readonly protocol: 'json' | 'oauth';
  readonly clientId: string | undefined;
  readonly scope: string | undefined;
  readonly fetch: typeof globalThis.fetch;
  readonly clock: Clock;
  readonly timeout: number;
}
