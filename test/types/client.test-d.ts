import type { KyInstance } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createAuthClient,
  isRefreshError,
  isSessionEndedError,
  isTokenflightError,
  memoryStorage,
  type AuthClient,
  type AuthClientOptions,
  type ErrorCode,
  type RefreshError,
  type SessionEndedError,
  type SessionSnapshot,
  type StorageAdapter,
} from '../../src';
import type { IsAny } from './helpers';

describe('createAuthClient', () => {
  it('needs a baseUrl and nothing else', () => {
    expectTypeOf(createAuthClient({ baseUrl: 'https://api.example.com/' })).toEqualTypeOf<AuthClient>();
    // @ts-expect-error baseUrl is required
    createAuthClient({});
  });

  it('takes exact optional options (no explicit undefined)', () => {
    expectTypeOf(memoryStorage()).toEqualTypeOf<StorageAdapter>();
    // @ts-expect-error exactOptionalPropertyTypes: omit the option instead
    createAuthClient({ baseUrl: 'https://api.example.com/', storage: undefined });
    // @ts-expect-error a misspelt option is an error
    createAuthClient({ baseUrl: 'https://api.example.com/', trustedOrigin: [] });
    expectTypeOf<AuthClientOptions['trustedOrigins']>().toEqualTypeOf<readonly string[] | undefined>();
  });
});

describe('AuthClient', () => {
  const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });

  it('exposes ky, a readonly snapshot and promise-returning actions', () => {
    expectTypeOf(auth.http).toEqualTypeOf<KyInstance>();
    expectTypeOf(auth.session).toEqualTypeOf<SessionSnapshot>();
    expectTypeOf(auth.login({ username: 'ada', password: 'lovelace' })).toEqualTypeOf<Promise<SessionSnapshot>>();
    expectTypeOf(auth.refresh()).toEqualTypeOf<Promise<SessionSnapshot>>();
    expectTypeOf(auth.getAccessToken()).toEqualTypeOf<Promise<string | null>>();
    expectTypeOf(auth.ready).toEqualTypeOf<Promise<void>>();
    expectTypeOf(auth.dispose).returns.toEqualTypeOf<void>();
  });

  it('has a fetch that goes wherever fetch goes', () => {
    const asFetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = auth.fetch;
    const asGlobal: typeof globalThis.fetch = auth.fetch;
    expectTypeOf(auth.fetch('api/me')).toEqualTypeOf<Promise<Response>>();
    expectTypeOf(auth.fetch).parameters.toEqualTypeOf<[input: RequestInfo | URL, init?: RequestInit]>();
    void [asFetch, asGlobal];
  });

  it('has no any in what it returns', () => {
    expectTypeOf<IsAny<Awaited<ReturnType<AuthClient['logout']>>>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<SessionSnapshot['claims']>>().toEqualTypeOf<false>();
    expectTypeOf<NonNullable<SessionSnapshot['claims']>[string]>().toEqualTypeOf<unknown>();
  });

  it('cannot be written to', () => {
    // @ts-expect-error the snapshot is readonly
    auth.session.status = 'authenticated';
    // @ts-expect-error so is the client's session property
    auth.session = auth.session;
  });
});

describe('errors', () => {
  it('guards narrow and codes are literal', () => {
    const error: unknown = new Error('x');
    if (isRefreshError(error)) expectTypeOf(error).toEqualTypeOf<RefreshError>();
    if (isSessionEndedError(error)) expectTypeOf(error).toEqualTypeOf<SessionEndedError>();
    if (isTokenflightError(error)) expectTypeOf(error.code).toEqualTypeOf<ErrorCode>();
    expectTypeOf<ErrorCode>().toExtend<`TF_${string}`>();
    expectTypeOf<SessionEndedError['retryable']>().toEqualTypeOf<boolean>();
  });
});
