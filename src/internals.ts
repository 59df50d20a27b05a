import type { TokenEndpoint } from './endpoint/token-endpoint';
import type { ResolvedOptions } from './options';
import type { Coordinator } from './session/coordinator';

/** The key under which a client carries what optional features (the code flow) need from it. Not public API. */
export const INTERNALS = Symbol.for('tokenflight.internals');

/** What a client lends to optional features: its token endpoint, its coordinator (`start`), its resolved options. */
export interface ClientInternals {
  readonly endpoint: Pick<TokenEndpoint, 'postForm' | 'urls' | 'revoke'>;
  readonly coordinator: Pick<Coordinator, 'start' | 'tokens'>;
  readonly options: Pick<ResolvedOptions, 'protocol' | 'clientId' | 'scope' | 'fetch' | 'clock' | 'timeout'>;
}
