import type AsyncStorageMock from '@react-native-async-storage/async-storage/jest';
import type { ReactNode } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import type { AuthClient, AuthEvents, SessionSnapshot } from '../../src';
import { AuthProvider, useAuth, useAuthEvent, useSession } from '../../src/react';
import * as native from '../../src/react-native';
import { createAuthServer, type AuthServerCounters } from '../../src/testing';

declare const auth: AuthClient;

describe('tokenflight/react', () => {
  it('types the hooks', () => {
    expectTypeOf(useSession()).toEqualTypeOf<SessionSnapshot>();
    expectTypeOf(useSession(auth)).toEqualTypeOf<SessionSnapshot>();
    expectTypeOf(useAuth()).toEqualTypeOf<AuthClient>();
    useAuthEvent('session:refresh-failed', (payload) => expectTypeOf(payload).toEqualTypeOf<AuthEvents['session:refresh-failed']>());
    // @ts-expect-error not an event
    useAuthEvent('refresh', () => undefined);
  });

  it('the provider needs a client', () => {
    expectTypeOf(AuthProvider({ client: auth })).toEqualTypeOf<ReactNode>();
    // @ts-expect-error client is required
    AuthProvider({});
  });
});

describe('tokenflight/react-native', () => {
  it('takes AppState and NetInfo shaped objects, and AsyncStorage for storage', () => {
    const AppState = { currentState: 'active', addEventListener: (_type: 'change', _fn: (state: string) => void) => ({ remove: () => undefined }) };
    const storage = native.asyncStorage({} as typeof AsyncStorageMock);
    expectTypeOf(native.createNativeAuthClient({ baseUrl: 'https://api.example.com/', AppState, storage })).toEqualTypeOf<AuthClient>();
    // @ts-expect-error AppState is required
    native.createNativeAuthClient({ baseUrl: 'https://api.example.com/' });
    // @ts-expect-error the lifecycle comes from AppState
    native.createNativeAuthClient({ baseUrl: 'https://api.example.com/', AppState, lifecycle: native.inertLifecycle });
    expectTypeOf(native.installPolyfills()).toEqualTypeOf<native.PolyfillName[]>();
  });

  it('wraps a secure store for the refresh token', () => {
    const SecureStore = {
      getItemAsync: async (_key: string): Promise<string | null> => null,
      setItemAsync: async (_key: string, _value: string): Promise<void> => undefined,
      deleteItemAsync: async (_key: string): Promise<void> => undefined,
    };
    expectTypeOf(native.splitStorage(native.secureStorage(SecureStore))).toEqualTypeOf<native.StorageAdapter>();
  });
});

describe('tokenflight/testing', () => {
  it('types the server counters and admin calls', () => {
    const server = createAuthServer({ accessTokenTtl: 60 });
    expectTypeOf(server.counters).toEqualTypeOf<AuthServerCounters>();
    expectTypeOf(server.counters.refreshCalls).toEqualTypeOf<number>();
    expectTypeOf(server.mintRefreshKey({ username: 'ada', audience: 'svc', lifetime: 3600 })).resolves.toHaveProperty('refreshKey').toEqualTypeOf<string>();
  });
});
