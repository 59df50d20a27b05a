import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { codeFlow } from '../../src';
import { record } from '../client/support';
import { consent, ISSUER, REDIRECT, setupCodeFlow } from './support';

const t = setupCodeFlow();

async function authorized() {
  const auth = t.client();
  const { flow, store } = t.flow(auth);
  const callback = await consent(await flow.authorizationUrl());
  return { auth, flow, store, callback };
}

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('resolved'), (error: unknown) => error);

describe('hostile and repeated callbacks', () => {
  it('a callback repeating state, code, iss or error is refused before any exchange (RFC 6749 §3.1)', async () => {
    const server = t.start();
    for (const [name, value] of [
      ['state', 'forged'],
      ['state', null],
      ['code', 'other'],
      ['iss', 'https://auth.test'],
      ['error', 'access_denied'],
    ] as const) {
      const { flow, callback } = await authorized();
      const url = new URL(callback);
      if (name === 'error') url.searchParams.set('error', 'login_required');
      url.searchParams.append(name, value ?? url.searchParams.get(name) ?? '');
      const thrown = await failure(flow.complete(url.href));
      expect(thrown, `${name}=${value}`).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'invalid_request' });
    }
    expect(server.counters.codesExchanged).toBe(0);
  });

  it('a provider error never echoes its description, and a code beside an error is never exchanged', async () => {
    const server = t.start();
    const { auth, flow, callback } = await authorized();
    const log = record(auth);
    const url = new URL(callback);
    const code = url.searchParams.get('code') ?? '';
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', `code=${code} <script>`);
    const thrown = await failure(flow.complete(url.href));
    expect(thrown).toMatchObject({ code: 'TF_LOGIN_FAILED', reason: 'access_denied' });
    const said = JSON.stringify({ message: (thrown as Error).message, thrown, events: log.events });
    expect(said).not.toContain(code);
    expect(said).not.toContain('<script>');
    expect(server.counters.codesExchanged).toBe(0);
  });

  it('the same callback handled twice at once (React StrictMode): one exchange, both calls get the session', async () => {
    const server = t.start();
    const { auth, flow, callback } = await authorized();
    const log = record(auth);
    const [a, b] = await Promise.all([flow.complete(callback), flow.complete(callback)]);
    expect(a).toMatchObject({ status: 'authenticated' });
    expect(b).toEqual(a);
    expect(server.counters).toMatchObject({ codesExchanged: 1, codeReuse: 0 });
    expect(log.of('session:start')).toHaveLength(1);
  });

  it('the address-bar callback handled twice (the first call already cleared the query): both get the session', async () => {
    const server = t.start();
    const { auth, flow, callback } = await authorized();
    const location = { href: callback, assign: () => undefined };
    vi.stubGlobal('location', location);
    vi.stubGlobal('history', { state: null, replaceState: (_: unknown, __: string, url: string) => void (location.href = new URL(url, location.href).href) });
    try {
      const first = flow.complete();
      expect(location.href).toBe('http://app.test/callback');
      const second = flow.complete();
      await expect(Promise.all([first, second])).resolves.toEqual([expect.objectContaining({ status: 'authenticated' }), expect.objectContaining({ status: 'authenticated' })]);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(server.counters.codesExchanged).toBe(1);
    expect(auth.session.status).toBe('authenticated');
  });
});

describe('redirect URIs', () => {
  it('refuses a response_mode whose answer complete() would never see (fragment, form_post)', async () => {
    t.start();
    const { flow } = t.flow(t.client());
    for (const mode of ['fragment', 'form_post']) await expect(flow.authorizationUrl({ response_mode: mode })).rejects.toMatchObject({ code: 'TF_CONFIG' });
    await expect(flow.authorizationUrl({ response_mode: 'query' })).resolves.toContain('response_mode=query');
  });

  it('sends the redirect URI exactly as registered (no trailing slash added, no normalisation: OAuth 2.1 exact match)', async () => {
    const server = t.start({ clients: [{ clientId: 'tokenflight', redirectUris: ['http://app.test'] }] });
    const auth = t.client();
    const { flow } = t.flow(auth, { redirectUri: 'http://app.test' });
    const url = await flow.authorizationUrl();
    expect(new URL(url).searchParams.get('redirect_uri')).toBe('http://app.test');
    const callback = await consent(url);
    await expect(flow.complete(callback)).resolves.toMatchObject({ status: 'authenticated' });
    const exchange = new URLSearchParams(t.sent.find((s) => s.body.includes('authorization_code'))?.body);
    expect(exchange.get('redirect_uri')).toBe('http://app.test');
    expect(server.counters.codesExchanged).toBe(1);
  });

  it('an app scheme callback is recognised only for its own scheme (React Native deep links)', async () => {
    t.start();
    const { flow } = t.flow(t.client(), { redirectUri: 'com.example.app://callback' });
    expect(flow.isCallback('com.example.app://callback?code=c&state=s')).toBe(true);
    expect(flow.isCallback('org.evil.app://callback?code=c&state=s')).toBe(false);
  });
});

describe('a callback that meets a provider outage', () => {
  it('discovery down when the callback arrives (after a reload): a retryable error, and the same callback works once it is back', async () => {
    const server = t.start();
    const { store, callback } = await authorized();
    // The page reloaded on the callback: a new client and flow (nothing discovered yet), the same sessionStorage.
    const after = codeFlow(t.client(), { issuer: ISSUER, redirectUri: REDIRECT, store });
    t.env.msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.error()));
    expect(await failure(after.complete(callback))).toMatchObject({ code: 'TF_LOGIN_FAILED', retryable: true });
    t.env.msw.resetHandlers(...server.handlers);
    await expect(after.complete(callback)).resolves.toMatchObject({ status: 'authenticated' });
    expect(server.counters.codesExchanged).toBe(1);
  });
});

describe('transaction stores', () => {
  it('an async store whose answers are thenables of its own (not native Promises) works', async () => {
    const server = t.start();
    const map = new Map<string, string>();
    const later = <T>(value: T): PromiseLike<T> => ({ then: (resolve) => Promise.resolve(value).then(resolve) }) as PromiseLike<T>;
    const store = {
      getItem: (key: string) => later(map.get(key) ?? null) as unknown as Promise<string | null>,
      setItem: (key: string, value: string) => later(void map.set(key, value)) as unknown as Promise<void>,
      removeItem: (key: string) => later(void map.delete(key)) as unknown as Promise<void>,
    };
    const { flow } = t.flow(t.client(), { store });
    await expect(flow.complete(await consent(await flow.authorizationUrl()))).resolves.toMatchObject({ status: 'authenticated' });
    expect(map.size).toBe(0);
    expect(server.counters.codesExchanged).toBe(1);
  });
});
