import { setupWorker } from 'msw/browser';
import { codeFlow, createAuthClient, dpop, isTokenflightError, webStorage, type AuthClient, type CodeFlow } from 'tokenflight';
import type { AuthServerCounters } from 'tokenflight/testing';
import { API_ORIGIN, createSharedServer, type SharedServer } from './shared-server';
import { createView, type View } from './view';

const control = (path: string, method = 'GET') => fetch(`${API_ORIGIN}/__tokenflight/${path}`, { method });

async function readCounters(): Promise<AuthServerCounters> {
  return (await control('counters')).json() as Promise<AuthServerCounters>;
}

/** Every session event goes to the timeline, described without any token. */
function recordEvents(auth: AuthClient, view: View): void {
  const at = (ms: number | null | undefined) => (ms == null ? 'unknown' : new Date(ms).toLocaleTimeString());
  const by = (origin: 'local' | 'remote') => (origin === 'local' ? 'this tab' : 'another tab');
  auth.on('session:start', (e) => view.log('session:start', `${e.source}, generation ${e.generation}, expires ${at(e.expiresAt)}`));
  auth.on('session:refresh', (e) => view.log('session:refresh', `generation ${e.generation} by ${by(e.origin)}, expires ${at(e.expiresAt)}`));
  auth.on('session:refresh-failed', (e) =>
    view.log('session:refresh-failed', `${e.code}, attempt ${e.attempt}, ${e.retryable ? `retry at ${at(e.nextAttemptAt)}` : 'final'}`),
  );
  auth.on('session:end', (e) => view.log('session:end', `reason "${e.reason}", seen by ${by(e.origin)}`));
  auth.on('session:error', (e) => view.log('session:error', `${e.operation}: ${e.code}`));
}

/** Asked in a new tab by a tab that hosts the demo server (see `startRedirect`). */
const REDIRECT_HASH = '#sign-in-with-redirect';

/**
 * The provider's pages (authorization with automatic consent, end session) are answered by the in-browser
 * server, which no real navigation can reach: the page asks it, then goes where it redirects. A real app
 * leaves `navigate` out (`location.assign` to the provider).
 */
function providerNavigation(shared: SharedServer, view: View): (url: string) => void {
  return (url) =>
    void shared.answer(new Request(url)).then((response) => {
      const next = response.headers.get('location');
      if (next === null) view.log('provider', `answered ${response.status}`);
      else location.assign(next);
    });
}

/** The server lives in the host tab's memory and would not survive its navigation: the host runs the round trip in a new tab. */
async function startRedirect(flow: CodeFlow, shared: SharedServer): Promise<string> {
  if (shared.isHost()) {
    window.open(`${location.origin}/${REDIRECT_HASH}`, '_blank');
    return 'this tab runs the demo server and stays: the redirect runs in a new tab';
  }
  await flow.redirect();
  return 'going to the provider';
}

function wireButtons(auth: AuthClient, flow: CodeFlow, shared: SharedServer, view: View, refreshCounters: () => Promise<void>): void {
  const act = (id: string, run: () => Promise<string>) =>
    view.button(id).addEventListener('click', () => {
      run()
        .then((detail) => view.log(id, detail))
        .catch((error: unknown) => view.log(id, `failed: ${isTokenflightError(error) ? error.code : String(error)}`))
        .finally(() => void refreshCounters());
    });

  act('login', async () => {
    await auth.login({ username: 'ada', password: 'lovelace' });
    return 'signed in as ada';
  });
  act('redirect-login', () => startRedirect(flow, shared));
  act('burst', async () => {
    const before = await readCounters();
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => auth.http.get(`api/items/${i}`).json()));
    const after = await readCounters();
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const ms = Math.round(performance.now() - started);
    return `${ok}/50 ok in ${ms} ms, ${after.refreshCalls - before.refreshCalls} refresh, ${after.unauthorized - before.unauthorized} 401s`;
  });
  act('expire', async () => {
    await control('expire', 'POST');
    return 'the server now rejects every access token issued so far';
  });
  act('logout', async () => {
    const { revocation } = await auth.logout();
    return `signed out here and in every tab; revoked at the server: ${await revocation}`;
  });
  act('open-tab', async () => {
    window.open(window.location.href, '_blank');
    return 'opened another tab on the same session';
  });
}

async function main(): Promise<void> {
  const view = createView();
  const shared = createSharedServer(() => view.role('server host (this tab runs the reference server)'));
  await setupWorker(...shared.handlers).start({ quiet: true, onUnhandledFrame: 'bypass' });
  await shared.ready;
  if (!shared.isHost()) view.role('follower (requests go to the host tab)');

  // An OAuth client: "Log in (ada)" uses the password grant of the demo server, "Sign in with redirect"
  // the authorization code flow with PKCE (discovery at the issuer gives every endpoint).
  // `?dpop=1`: sender-constrained tokens (README: DPoP), with a non-extractable key in IndexedDB shared by the tabs.
  const withDpop = new URLSearchParams(window.location.search).get('dpop') === '1';
  const auth = createAuthClient({
    baseUrl: `${API_ORIGIN}/`,
    protocol: 'oauth',
    clientId: 'tokenflight',
    storage: webStorage(localStorage),
    ...(withDpop ? { dpop: dpop() } : {}),
  });
  view.dpop(withDpop);
  const flow = codeFlow(auth, {
    issuer: API_ORIGIN,
    redirectUri: `${location.origin}/`,
    scope: 'openid profile read write',
    navigate: providerNavigation(shared, view),
  });
  recordEvents(auth, view);
  const render = () => view.session(auth.session, Date.now());
  auth.on('session:change', render);
  const refreshCounters = async () => view.counters(await readCounters());
  wireButtons(auth, flow, shared, view, refreshCounters);
  if (flow.isCallback()) {
    // Back from the provider: the code and state leave the address bar at once.
    await flow
      .complete()
      .then((session) => view.log('redirect-login', `signed in as ${String(session.user?.['name'] ?? session.claims?.['sub'])} (code flow)`))
      .catch((error: unknown) => view.log('redirect-login', `failed: ${isTokenflightError(error) ? error.code : String(error)}`));
  } else if (location.hash === REDIRECT_HASH) {
    history.replaceState(null, '', location.pathname);
    view.log('redirect-login', await startRedirect(flow, shared));
  }
  setInterval(render, 1000);
  setInterval(() => void refreshCounters().catch(() => undefined), 2000);
  await auth.ready;
  render();
  await refreshCounters();
  document.body.dataset['ready'] = 'true';
}

void main();
