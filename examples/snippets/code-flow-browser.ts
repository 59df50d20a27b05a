// Code flow: sign in with redirect in a single-page app (README: authorization code flow).
import { codeFlow, createAuthClient, isLoginError, webStorage } from 'tokenflight';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  protocol: 'oauth',
  clientId: 'my-spa',
  scope: 'openid profile offline_access',
  storage: webStorage(localStorage),
});

// Discovery gives the authorization, token, revocation and end-session endpoints.
export const signIn = codeFlow(auth, {
  issuer: 'https://login.example.com',
  redirectUri: `${location.origin}/callback`,
});

// "Sign in" button: the page goes to the provider (no popup, no iframe, no third-party cookie).
export async function onSignInClick(): Promise<void> {
  await signIn.redirect({ login_hint: 'ada@example.com' });
}

// On start-up: finish a sign-in when the provider sent the browser back here.
export async function onPageLoad(): Promise<void> {
  if (!signIn.isCallback()) return;
  try {
    await signIn.complete(); // the code leaves the address bar at once
    console.log('signed in as', auth.session.user?.['name']);
  } catch (error) {
    // e.g. reason 'access_denied' (the user said no), 'invalid_state' (a stale or foreign callback)
    if (isLoginError(error)) console.warn('sign-in failed:', error.reason);
    else throw error;
  }
}

// "Sign out": local logout and revocation, then the provider's end-session endpoint.
export async function onSignOutClick(): Promise<void> {
  await signIn.logout({ postLogoutRedirectUri: `${location.origin}/` });
}
