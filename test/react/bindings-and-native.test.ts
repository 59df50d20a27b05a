// @vitest-environment jsdom
// React bindings under StrictMode / client swaps / pending work, the React Native
// lifecycle (AppState, NetInfo) through createNativeAuthClient, and the RN storage adapters.
import { StrictMode, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient, AuthEventName } from '../../src';
import { AuthProvider, useAuthEvent, useSession } from '../../src/react';
import * as native from '../../src/react-native';
import type { AppStateLike, NetInfoLike, SecureStoreLike } from '../../src/react-native';
import type { StoredSession } from '../../src/session/storage';
import { decodeSession, encodeSession } from '../../src/session/storage/codec';
import { act, h, setup, signIn } from './support';

const env = setup();
const natives: AuthClient[] = [];
afterEach(() => {
  for (const client of natives.splice(0)) {
    try {
      client.dispose();
    } catch {
      // reported by the test that made it throw
    }
  }
  vi.useRealTimers();
});

/** Counts live listeners per event type (subscribe minus unsubscribe). */
function countListeners(client: AuthClient) {
  const on = client.on.bind(client);
  const live = new Map<string, number>();
  const total = new Map<string, number>();
  client.on = (type, listener) => {
    const off = on(type, listener);
    live.set(type, (live.get(type) ?? 0) + 1);
    total.set(type, (total.get(type) ?? 0) + 1);
    let done = false;
    return () => {
      if (!done) live.set(type, (live.get(type) ?? 0) - 1);
      done = true;
      off();
    };
  };
  return { live: (t: AuthEventName) => live.get(t) ?? 0, total: (t: AuthEventName) => total.get(t) ?? 0 };
}

function Status() {
  const s = useSession();
  return h('p', null, `${s.status}|g${s.generation}`);
}

describe('React bindings', () => {
  it('useAuthEvent under StrictMode: one live listener, no resubscribe on re-render with a new inline callback, none after unmount', async () => {
    env.server();
    const auth = env.client();
    const subs = countListeners(auth);
    const seen: string[] = [];
    let bump: () => void = () => undefined;
    function Listener() {
      const [n, setN] = useState(0);
      bump = () => setN((x) => x + 1);
      useAuthEvent('session:start', ({ source }) => seen.push(`${source}@${n}`));
      return h('i', null, String(n));
    }
    const view = await env.render(h(StrictMode, null, h(AuthProvider, { client: auth }, h(Listener))));
    expect(subs.live('session:start')).toBe(1);
    const afterMount = subs.total('session:start');
    for (let i = 0; i < 5; i++) act(() => bump());
    expect(subs.total('session:start')).toBe(afterMount);
    await act(() => signIn(auth));
    expect(seen).toEqual(['login@5']);
    act(() => view.root.unmount());
    expect(subs.live('session:start')).toBe(0);
  });

  it('useSession returns a cached snapshot: no extra renders or console errors while nothing changes', async () => {
    env.server();
    const auth = env.client();
    await auth.ready;
    expect(auth.session).toBe(auth.session);
    const errors = vi.spyOn(console, 'error');
    let renders = 0;
    let bump: () => void = () => undefined;
    function Parent() {
      const [, setN] = useState(0);
      bump = () => setN((x) => x + 1);
      return h(Child);
    }
    const snapshots = new Set<unknown>();
    function Child() {
      snapshots.add(useSession());
      renders++;
      return null;
    }
    await env.render(h(AuthProvider, { client: auth }, h(Parent)));
    act(() => bump());
    act(() => bump());
    expect(renders).toBe(3);
    expect(snapshots.size).toBe(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('follows the loading -> unauthenticated step when a slow async store finally answers with an invalid blob', async () => {
    env.server();
    let release: (value: string | null) => void = () => undefined;
    const slow = { getItem: () => new Promise<string | null>((resolve) => (release = resolve)), setItem: () => undefined, removeItem: () => undefined };
    const auth = env.client({ storage: slow });
    const view = await env.render(h(AuthProvider, { client: auth }, h(Status)));
    expect(view.text()).toBe('loading|g0');
    await act(async () => {
      release('{"not":"a session"}');
      await auth.ready;
    });
    expect(view.text()).toBe('unauthenticated|g0');
  });

  it('unmounting during a pending login: the login still lands in the client, nothing stays subscribed, no React warning', async () => {
    const server = env.server();
    server.inject('login', { type: 'delay', ms: 50 });
    const auth = env.client();
    const subs = countListeners(auth);
    const errors = vi.spyOn(console, 'error');
    const view = await env.render(h(StrictMode, null, h(AuthProvider, { client: auth }, h(Status))));
    const pending = signIn(auth);
    act(() => view.root.unmount());
    await expect(pending).resolves.toMatchObject({ status: 'authenticated' });
    expect(auth.session.status).toBe('authenticated');
    expect(subs.live('session:change')).toBe(0);
    expect(errors).not.toHaveBeenCalled();
  });

  it('a provider switched to another client moves useAuthEvent listeners too', async () => {
    env.server();
    const a = env.client();
    const b = env.client();
    const subsA = countListeners(a);
    const subsB = countListeners(b);
    const ends: string[] = [];
    let swap: () => void = () => undefined;
    function Ends() {
      useAuthEvent('session:end', ({ reason }) => ends.push(reason));
      return null;
    }
    function Switcher() {
      const [client, setClient] = useState(a);
      swap = () => setClient(b);
      return h(AuthProvider, { client }, h(Ends), h(Status));
    }
    await env.render(h(StrictMode, null, h(Switcher)));
    expect(subsA.live('session:end')).toBe(1);
    act(() => swap());
    expect(subsA.live('session:end')).toBe(0);
    expect(subsB.live('session:end')).toBe(1);
    await signIn(a);
    await a.logout();
    expect(ends).toEqual([]);
    await act(() => signIn(b));
    await act(() => b.logout());
    expect(ends).toEqual(['logout']);
  });
});

/** AppState / NetInfo stand-ins the test drives. */
function device(opts: { legacyAppState?: boolean } = {}) {
  const app = new Set<(state: string) => void>();
  const net = new Set<(state: { isConnected: boolean | null }) => void>();
  const AppState = {
    currentState: 'active' as string,
    addEventListener(_type: 'change', listener: (state: string) => void) {
      app.add(listener);
      // React Native < 0.65 returned nothing and removed listeners with removeEventListener.
      return (opts.legacyAppState ? undefined : { remove: () => void app.delete(listener) }) as { remove(): void };
    },
    removeEventListener(_type: 'change', listener: (state: string) => void) {
      app.delete(listener);
    },
  };
  let connected: boolean | null = true;
  const NetInfo: NetInfoLike = {
    addEventListener(listener) {
      net.add(listener);
      listener({ isConnected: connected });
      return () => void net.delete(listener);
    },
  };
  return {
    AppState,
    NetInfo,
    moveTo(state: string) {
      AppState.currentState = state;
      for (const l of [...app]) l(state);
    },
    setConnected(c: boolean | null) {
      connected = c;
      for (const l of [...net]) l({ isConnected: c });
    },
    listeners: () => app.size + net.size,
  };
}

function nativeClient(dev: ReturnType<typeof device>, storage?: native.StorageAdapter): AuthClient {
  const auth = native.createNativeAuthClient({ baseUrl: 'https://auth.test/', AppState: dev.AppState as AppStateLike, NetInfo: dev.NetInfo, deviceInfo: 'phone', ...(storage ? { storage } : {}) });
  natives.push(auth);
  return auth;
}

describe('React Native lifecycle', () => {
  it('a resume before the token is due re-checks without refreshing, however often AppState flips', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const server = env.server({ accessTokenTtl: 600 });
    const dev = device();
    const auth = nativeClient(dev);
    await signIn(auth);
    for (let i = 0; i < 5; i++) {
      dev.moveTo('inactive');
      dev.moveTo('background');
      vi.setSystemTime(Date.now() + 10_000);
      dev.moveTo('active');
    }
    await vi.advanceTimersByTimeAsync(10);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it('the network coming back while the app is in the background does not refresh there; the resume does', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const server = env.server({ accessTokenTtl: 600 });
    const dev = device();
    const auth = nativeClient(dev);
    await signIn(auth);
    dev.moveTo('background');
    vi.setSystemTime(Date.now() + 3_600_000);
    dev.setConnected(false);
    dev.setConnected(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(server.counters.refreshCalls).toBe(0);
    dev.moveTo('active');
    await vi.advanceTimersByTimeAsync(50);
    await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1));
  });

  it('dispose removes the AppState listener with the pre-0.65 API too (addEventListener returned nothing)', () => {
    const dev = device({ legacyAppState: true });
    const auth = nativeClient(dev);
    expect(dev.listeners()).toBe(2);
    expect(() => auth.dispose()).not.toThrow();
    expect(dev.listeners()).toBe(0);
  });

  it('the polyfills never replace what the platform already has, and a second install is a no-op', () => {
    const { any, timeout } = AbortSignal as unknown as { any: unknown; timeout: unknown };
    const { throwIfAborted } = AbortSignal.prototype;
    const Encoder = globalThis.TextEncoder;
    // The test platform has them natively: importing tokenflight/react-native replaced none of them.
    for (const fn of [any, timeout, throwIfAborted]) expect(Function.prototype.toString.call(fn)).not.toMatch(/abortWith|reasonOf/);
    expect(native.installPolyfills()).toEqual([]);
    expect(native.installPolyfills()).toEqual([]);
    expect((AbortSignal as unknown as { any: unknown }).any).toBe(any);
    expect((AbortSignal as unknown as { timeout: unknown }).timeout).toBe(timeout);
    expect(AbortSignal.prototype.throwIfAborted).toBe(throwIfAborted);
    expect(globalThis.TextEncoder).toBe(Encoder);
  });
});

/** expo-secure-store stand-in: key charset and byte limit enforced; can "crash" after N more writes. */
function secureStore(limit = 2048) {
  const data = new Map<string, string>();
  let writesLeft = Number.POSITIVE_INFINITY;
  const store: SecureStoreLike = {
    getItemAsync: async (k) => data.get(k) ?? null,
    setItemAsync: async (k, v) => {
      if (!/^[\w.-]+$/.test(k)) throw new Error('bad key');
      if (new TextEncoder().encode(v).length > limit) throw new Error('value too large');
      if (writesLeft-- <= 0) throw new Error('process killed');
      data.set(k, v);
    },
    deleteItemAsync: async (k) => void data.delete(k),
  };
  return { store, data, crashAfterWrites: (n: number) => void (writesLeft = n) };
}

const blob = (generation: number, refreshToken: string, accessToken: string | null = null): StoredSession => ({
  v: 1,
  accessToken,
  refreshToken,
  expiresAt: accessToken === null ? 0 : 9_000_000,
  receivedAt: 1000,
  generation,
  scope: null,
});

describe('React Native storage adapters', () => {
  it('secureStorage: every stored value fits the byte limit at and around it, ASCII or not, and round-trips', async () => {
    const { store, data } = secureStore(64);
    const adapter = native.secureStorage(store, { maxValueBytes: 64 });
    const values = ['a'.repeat(64), 'a'.repeat(65), 'é'.repeat(32), 'é'.repeat(33), '€'.repeat(22), '😀'.repeat(16), `x${'😀'.repeat(40)}`, 'a'.repeat(64 * 5 + 1)];
    for (const value of values) {
      await adapter.setItem('k', value); // the fake store throws on an oversized value
      expect(await adapter.getItem('k')).toBe(value);
      expect(await native.secureStorage(store, { maxValueBytes: 64 }).getItem('k')).toBe(value);
    }
    expect([...data.keys()].sort()).toEqual(['k', 'k.1', 'k.2', 'k.3', 'k.4', 'k.5', 'k.6']);
    await adapter.setItem('k', 'short');
    expect([...data.keys()]).toEqual(['k']);
  });

  it('secureStorage: a crash between chunk writes never yields a torn blob (old, new, or nothing)', async () => {
    const { store, crashAfterWrites } = secureStore(64);
    const adapter = native.secureStorage(store, { maxValueBytes: 64 });
    const before = encodeSession(blob(1, `old-${'A'.repeat(120)}`));
    const after = encodeSession(blob(2, `new-${'B'.repeat(120)}`));
    expect(before.length).toBe(after.length);
    await adapter.setItem('tokenflight.session', before);
    crashAfterWrites(2);
    await expect(adapter.setItem('tokenflight.session', after)).rejects.toThrow('process killed');
    // The app restarts: whatever it reads must be one whole blob or nothing.
    const read = await native.secureStorage(store, { maxValueBytes: 64 }).getItem('tokenflight.session');
    const decoded = read == null ? null : decodeSession(read);
    expect({ read, tornButValid: decoded?.ok === true && read !== before && read !== after }).toEqual({ read: expect.toSatisfy((r: unknown) => r === null || r === before || r === after), tornButValid: false });
  });

  it('splitStorage(secureStorage(keychainStore)): the Keychain only ever holds the refresh token; a restart refreshes once, then works', async () => {
    const server = env.server();
    const services = new Map<string, string>();
    const Keychain = {
      setGenericPassword: async (_u: string, password: string, o?: { service?: string }) => void services.set(o?.service ?? '', password),
      getGenericPassword: async (o?: { service?: string }) => (services.has(o?.service ?? '') ? { password: services.get(o?.service ?? '') as string } : (false as const)),
      resetGenericPassword: async (o?: { service?: string }) => services.delete(o?.service ?? ''),
    };
    const storage = () => native.splitStorage(native.secureStorage(native.keychainStore(Keychain)));
    const first = nativeClient(device(), storage());
    await signIn(first);
    const token = await first.getAccessToken();
    expect(token).toBeTruthy();
    const stored = [...services.values()].join('\n');
    expect(stored).not.toContain(String(token));
    expect(JSON.parse(services.get('tokenflight.session') ?? 'null')).toMatchObject({ accessToken: null, generation: 1 });
    first.dispose();

    const second = nativeClient(device(), storage());
    await second.ready;
    expect(second.session.status).toBe('authenticated');
    await expect(second.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(server.counters.refreshCalls).toBe(1);
    expect([...services.values()].join('\n')).not.toContain(String(await second.getAccessToken()));
    await second.logout();
    expect(services.size).toBe(0);
  });
});
