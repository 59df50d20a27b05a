// @vitest-environment jsdom
import { StrictMode, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { isConfigError, type AuthClient, type AuthEvents } from '../../src';
import { AuthProvider, useAuth, useAuthEvent, useSession } from '../../src/react';
import { act, h, setup, signIn, trackSubscriptions } from './support';

const env = setup();

function Status({ renders }: { renders?: { count: number } }) {
  const session = useSession();
  if (renders) renders.count++;
  const who = typeof session.claims?.['sub'] === 'string' ? session.claims['sub'] : '-';
  return h('p', null, `${session.status}|${who}|g${session.generation}|${session.refreshing ? 'refreshing' : 'idle'}`);
}

const strict = (auth: AuthClient, child: ReturnType<typeof h>) => h(StrictMode, null, h(AuthProvider, { client: auth }, child));

describe('useSession', () => {
  it('follows the session through login, a server-side expiry, refresh and logout under StrictMode', async () => {
    const server = env.server();
    const auth = env.client();
    const view = await env.render(strict(auth, h(Status)));
    await act(() => auth.ready);
    expect(view.text()).toBe('unauthenticated|-|g0|idle');

    await act(() => signIn(auth));
    expect(view.text()).toBe('authenticated|ada|g1|idle');

    server.expireAccessTokens();
    await act(() => auth.http.get('api/me').json());
    expect(view.text()).toBe('authenticated|ada|g2|idle');
    expect(server.counters.refreshCalls).toBe(1);

    await act(() => auth.logout());
    expect(view.text()).toBe('unauthenticated|-|g2|idle');
  });

  it('StrictMode double mounts leave exactly one live subscription, and none after unmount', async () => {
    env.server();
    const auth = env.client();
    const subs = trackSubscriptions(auth);
    const view = await env.render(strict(auth, h(Status)));
    expect(subs.total()).toBeGreaterThanOrEqual(2);
    expect(subs.live()).toBe(1);
    await act(() => signIn(auth));
    expect(view.text()).toMatch(/^authenticated/);
    act(() => view.root.unmount());
    expect(subs.live()).toBe(0);
  });

  it('a burst of 50 requests on a rejected token re-renders per state change, not per request', async () => {
    const server = env.server();
    const auth = env.client();
    await signIn(auth);
    const renders = { count: 0 };
    const view = await env.render(h(AuthProvider, { client: auth }, h(Status, { renders })));
    const before = renders.count;
    server.expireAccessTokens();
    server.resetCounters();
    await act(() => Promise.all(Array.from({ length: 50 }, (_, i) => auth.http.get(`api/items/${i}`).json())));
    expect(server.counters.refreshCalls).toBe(1);
    expect(view.text()).toBe('authenticated|ada|g2|idle');
    expect(renders.count - before).toBeGreaterThan(0);
    expect(renders.count - before).toBeLessThanOrEqual(3);
  });

  it('reads an explicit client without a provider, and each provider its own client', async () => {
    env.server();
    const a = env.client();
    const b = env.client();
    await signIn(a);
    function Pair() {
      return h('p', null, `${useSession(a).status}/${useSession().status}`);
    }
    const view = await env.render(h(AuthProvider, { client: b }, h(Pair)));
    await act(() => b.ready);
    expect(view.text()).toBe('authenticated/unauthenticated');
  });

  it('switching the provided client re-subscribes to the new one', async () => {
    env.server();
    const a = env.client();
    const b = env.client();
    const subsA = trackSubscriptions(a);
    let swap: () => void = () => undefined;
    function Switcher() {
      const [client, setClient] = useState(a);
      swap = () => setClient(b);
      return h(AuthProvider, { client }, h(Status));
    }
    const view = await env.render(h(Switcher));
    await act(() => signIn(a));
    expect(view.text()).toMatch(/^authenticated/);
    act(() => swap());
    await act(() => b.ready);
    expect(view.text()).toMatch(/^unauthenticated/);
    expect(subsA.live()).toBe(0);
    await act(() => signIn(b));
    expect(view.text()).toMatch(/^authenticated\|ada\|g1/);
  });
});

describe('useAuth and useAuthEvent', () => {
  it('useAuth gives the provided client; outside a provider it throws a ConfigError', async () => {
    env.server();
    const auth = env.client();
    let seen: AuthClient | null = null;
    function Grab() {
      seen = useAuth();
      return null;
    }
    await env.render(h(AuthProvider, { client: auth }, h(Grab)));
    expect(seen).toBe(auth);

    let thrown: unknown;
    function Outside() {
      try {
        useAuth();
      } catch (error) {
        thrown = error;
      }
      return null;
    }
    await env.render(h(Outside));
    expect(isConfigError(thrown)).toBe(true);
  });

  it('useAuthEvent calls the latest listener, once per event, and stops at unmount', async () => {
    env.server();
    const auth = env.client();
    const ends: Array<{ label: string; payload: AuthEvents['session:end'] }> = [];
    let relabel: (label: string) => void = () => undefined;
    function Listener() {
      const [label, setLabel] = useState('first');
      relabel = setLabel;
      useAuthEvent('session:end', (payload) => ends.push({ label, payload }));
      return null;
    }
    const view = await env.render(strict(auth, h(Listener)));
    await act(() => signIn(auth));
    act(() => relabel('second'));
    await act(() => auth.logout());
    expect(ends).toEqual([{ label: 'second', payload: { reason: 'logout', origin: 'local' } }]);

    act(() => view.root.unmount());
    await signIn(auth);
    await auth.logout();
    expect(ends).toHaveLength(1);
  });
});
