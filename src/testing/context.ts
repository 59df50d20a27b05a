import { AccessTokens } from './access-tokens';
import { ServerClock } from './clock';
import { AuthCodes } from './codes';
import { CounterBook } from './counters';
import { DpopService } from './dpop/service';
import { FaultQueue } from './faults';
import { IdTokens } from './id-tokens';
import { KeyStore } from './key-store';
import type { ResolvedOptions } from './options';
import { Rotator } from './rotation';
import { Sessions } from './sessions';

/** Everything one server instance owns; nothing is shared between instances. */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly clock: ServerClock;
  readonly store: KeyStore;
  readonly counters: CounterBook;
  readonly faults: FaultQueue;
  readonly access: AccessTokens;
  readonly sessions: Sessions;
  readonly rotator: Rotator;
  readonly dpop: DpopService;
  readonly codes: AuthCodes;
  readonly idTokens: IdTokens;
  /** Revokes a whole key family; the number of records revoked. */
  revokeFamily(familyId: string): number;
}

export function createContext(options: ResolvedOptions): ServerContext {
  const clock = new ServerClock(options.now);
  const store = new KeyStore();
  const counters = new CounterBook();
  const dpop = new DpopService(options.dpop, clock, counters);
  const access = new AccessTokens(options.secret, clock, options.accessTokenTtl, options.audience, (familyId) => dpop.boundTo(familyId));
  const sessions = new Sessions(options, clock, store, access);
  const rotator = new Rotator(options.rotation, sessions, store, clock, counters);
  return {
    options,
    clock,
    store,
    counters,
    faults: new FaultQueue(),
    access,
    sessions,
    rotator,
    dpop,
    codes: new AuthCodes(clock, options.codeLifetime),
    idTokens: new IdTokens(options.secret, clock, options.idTokenTtl),
    revokeFamily(familyId) {
      rotator.forget(familyId);
      return store.revokeFamily(familyId, clock.now());
    },
  };
}
