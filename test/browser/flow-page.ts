/**
 * The script of the sign-in pages in the real-browser tests, driven through `window.flowHarness`. Its
 * configuration comes from the first page's query string (`?api=...&mode=code|cookie`) and is kept in
 * sessionStorage, so it survives the navigations to the provider and back:
 * - `code`: an OAuth client on `webStorage(localStorage)` with `codeFlow` (discovery at the API's
 *   origin, redirect URI `<page origin>/callback`); a callback address is completed at load;
 * - `cookie`: cookie (BFF) mode with memory storage: a reload resumes from the HttpOnly cookie.
 */
import { codeFlow, createAuthClient, memoryStorage, webStorage, type AuthEventName, type AuthEvents, type SessionSnapshot } from '../../src';
import type { HarnessEvent, HarnessResult } from './page';

export interface FlowHarness {
  session(): SessionSnapshot;
  events(): HarnessEvent[];
  ready(): Promise<void>;
  /** The outcome of `complete()` when this load was a callback; `null` otherwise. */
  completion(): Promise<HarnessResult> | null;
  /** Code mode: sends the page to the provider (resolves just before the page leaves). */
  redirect(): Promise<void>;
  /** Code mode: local logout and revocation, then the provider's end-session endpoint and back to `/`. */
  endSession(): Promise<void>;
  login(): Promise<SessionSnapshot>;
  logout(): Promise<void>;
  refresh(): Promise<HarnessResult>;
  get(path: string): Promise<HarnessResult>;
}

declare global {
  interface Window {
    flowHarness: FlowHarness;
  }
}

const CONFIG = 'flow-harness.config';
const query = new URL(location.href).searchParams;
if (query.has('api')) sessionStorage.setItem(CONFIG, JSON.stringify({ api: query.get('api'), mode: query.get('mode') }));
const config = JSON.parse(sessionStorage.getItem(CONFIG) ?? '{}') as { api?: string; mode?: 'code' | 'cookie' };
const api = config.api ?? '';

const settle = <T>(promise: Promise<T>): Promise<HarnessResult> =>
  promise.then(
    (value): HarnessResult => ({ ok: true, value }),
    (error: unknown): HarnessResult => ({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );

const auth =
  config.mode === 'cookie'
    ? createAuthClient({ baseUrl: api, cookie: true, storage: memoryStorage(), deviceInfo: 'browser-test' })
    : createAuthClient({ baseUrl: api, protocol: 'oauth', clientId: 'tokenflight', scope: 'openid profile read', storage: webStorage(localStorage), deviceInfo: 'browser-test' });

const events: HarnessEvent[] = [];
const names: AuthEventName[] = ['session:start', 'session:refresh', 'session:refresh-failed', 'session:end', 'session:error'];
for (const type of names) auth.on(type, (payload: AuthEvents[typeof type]) => events.push({ type, payload }));

const flow = config.mode === 'code' ? codeFlow(auth, { issuer: new URL(api).origin, redirectUri: `${location.origin}/callback` }) : null;
const codeFlowOf = () => {
  if (flow === null) throw new Error('not a code-flow page');
  return flow;
};
const completion = flow !== null && flow.isCallback() ? settle(flow.complete()) : null;

window.flowHarness = {
  session: () => auth.session,
  events: () => events,
  ready: () => auth.ready,
  completion: () => completion,
  redirect: () => codeFlowOf().redirect(),
  async endSession() {
    await codeFlowOf().logout({ postLogoutRedirectUri: `${location.origin}/` });
  },
  login: () => auth.login({ username: 'ada', password: 'lovelace' }),
  async logout() {
    await (await auth.logout()).revocation;
  },
  refresh: () => settle(auth.refresh()),
  get: (path) => settle(auth.http.get(path).json()),
};
