import AsyncStorage from '@react-native-async-storage/async-storage/jest';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as core from '../../src';
import * as native from '../../src/react-native';
import type { AppStateLike, AuthClient, NetInfoLike } from '../../src/react-native';
import { createAuthServer } from '../../src/testing';

const msw = setupServer();
const clients: AuthClient[] = [];
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(async () => {
  for (const client of clients.splice(0)) client.dispose();
  msw.resetHandlers();
  await AsyncStorage.clear();
  vi.useRealTimers();
});
afterAll(() => msw.close());

/** AppState and NetInfo stand-ins that the test drives. */
function device() {
  const appListeners = new Set<(state: string) => void>();
  const netListeners = new Set<(state: { isConnected: boolean | null }) => void>();
  const AppState = {
    currentState: 'active' as string,
    addEventListener(_type: 'change', listener: (state: string) => void) {
      appListeners.add(listener);
      return { remove: () => void appListeners.delete(listener) };
    },
  } satisfies AppStateLike;
  const NetInfo: NetInfoLike = {
    addEventListener(listener) {
      netListeners.add(listener);
      return () => void netListeners.delete(listener);
    },
  };
  const moveTo = (state: string) => {
    AppState.currentState = state;
    for (const listener of [...appListeners]) listener(state);
  };
  return { AppState, NetInfo, moveTo, listeners: () => appListeners.size + netListeners.size };
}

function start(dev: ReturnType<typeof device>): AuthClient {
  const auth = native.createNativeAuthClient({
    baseUrl: 'https://auth.test/',
    AppState: dev.AppState,
    NetInfo: dev.NetInfo,
    storage: native.asyncStorage(AsyncStorage),
    deviceInfo: 'test-phone',
  });
  clients.push(auth);
  return auth;
}

describe('tokenflight/react-native', () => {
  it('re-exports the whole core, with createAuthClient checking the polyfills first', () => {
    for (const name of Object.keys(core)) expect(native, name).toHaveProperty(name);
    expect(native.createAuthClient).not.toBe(core.createAuthClient);
    expect(typeof native.createNativeAuthClient).toBe('function');
    expect(typeof native.installPolyfills).toBe('function');
  });

  it('keeps the session in AsyncStorage across an app restart, and logout clears it', async () => {
    const server = createAuthServer();
    msw.use(...server.handlers);
    const dev = device();
    const first = start(dev);
    await first.login({ username: 'ada', password: 'lovelace' });
    expect(await AsyncStorage.getItem('tokenflight.session')).toContain('"generation":1');
    first.dispose();

    const second = start(dev);
    await second.ready;
    expect(second.session.status).toBe('authenticated');
    await expect(second.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    const { revocation } = await second.logout();
    expect(await AsyncStorage.getItem('tokenflight.session')).toBeNull();
    await expect(revocation).resolves.toBe(true);
    expect(server.keys('ada').every((key) => key.revokedAt !== null)).toBe(true);
  });

  it('listens to AppState and NetInfo, and stops at dispose', () => {
    const dev = device();
    const auth = start(dev);
    expect(dev.listeners()).toBe(2);
    auth.dispose();
    expect(dev.listeners()).toBe(0);
  });

  it('refreshes on return to the foreground when the token expired in the background', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const server = createAuthServer({ accessTokenTtl: 600 });
    msw.use(...server.handlers);
    const dev = device();
    const auth = start(dev);
    await auth.login({ username: 'ada', password: 'lovelace' });
    dev.moveTo('background');
    vi.setSystemTime(Date.now() + 3_600_000); // the phone slept for an hour: no timer ran
    const refreshed = new Promise((resolve) => auth.on('session:refresh', resolve));
    dev.moveTo('active');
    await vi.advanceTimersByTimeAsync(10);
    await expect(refreshed).resolves.toMatchObject({ generation: 2, origin: 'local' });
    expect(server.counters.refreshCalls).toBe(1);
  });
});
