import { describe, expectTypeOf, it } from 'vitest';
import type { AuthClient, AuthEventName, AuthEvents, EndReason, SessionSnapshot, Unsubscribe } from '../../src';
import type { IsAny, TokenKeys } from './helpers';

declare const auth: AuthClient;

describe('the event map', () => {
  it('names the session events', () => {
    expectTypeOf<'session:start' | 'session:refresh' | 'session:refresh-failed' | 'session:end' | 'session:change'>().toExtend<AuthEventName>();
    expectTypeOf<AuthEventName>().toExtend<`session:${string}`>();
  });

  it('carries no token in any payload, and no any', () => {
    expectTypeOf<{ [K in AuthEventName]: TokenKeys<AuthEvents[K]> }[AuthEventName]>().toBeNever();
    expectTypeOf<TokenKeys<SessionSnapshot>>().toBeNever();
    expectTypeOf<{ [K in AuthEventName]: IsAny<AuthEvents[K]> }[AuthEventName]>().toEqualTypeOf<false>();
  });

  it('types each payload', () => {
    expectTypeOf<AuthEvents['session:end']['reason']>().toEqualTypeOf<EndReason>();
    expectTypeOf<AuthEvents['session:refresh-failed']['retryable']>().toEqualTypeOf<boolean>();
    expectTypeOf<AuthEvents['session:refresh']['expiresAt']>().toEqualTypeOf<number | null>();
    expectTypeOf<AuthEvents['session:change']['session']>().toEqualTypeOf<SessionSnapshot>();
    expectTypeOf<'logout' | 'expired' | 'revoked' | 'reuse-detected' | 'remote' | 'invalid-storage'>().toExtend<EndReason>();
  });
});

describe('on()', () => {
  it('gives the listener the payload of its event and returns an unsubscribe', () => {
    const off = auth.on('session:end', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<AuthEvents['session:end']>();
    });
    expectTypeOf(off).toEqualTypeOf<Unsubscribe>();
    expectTypeOf<Unsubscribe>().toEqualTypeOf<() => void>();
    auth.on('session:change', ({ session, cause }) => {
      expectTypeOf(session.status).toEqualTypeOf<'loading' | 'authenticated' | 'unauthenticated'>();
      expectTypeOf(cause).toExtend<string>();
    });
  });

  it('rejects unknown events and mismatched listeners', () => {
    // @ts-expect-error not an event
    auth.on('session:started', () => undefined);
    // @ts-expect-error session:end has no expiresAt
    auth.on('session:end', (payload: { expiresAt: number }) => payload);
  });
});
