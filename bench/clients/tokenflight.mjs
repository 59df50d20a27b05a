// tokenflight itself, from the built package (dist/), configured as a user would.
import { createAuthClient } from 'tokenflight';
import { CREDENTIALS } from './session.mjs';

export function createTokenflight(url, { timeout, autoRefresh = false, dpop }) {
  // `dpop`: the value of the client's `dpop` option (the DPoP scenario), none otherwise.
  const auth = createAuthClient({ baseUrl: `${url}/`, autoRefresh, deviceInfo: false, http: { timeout }, ...(dpop === undefined ? {} : { dpop }) });
  return {
    auth,
    async login() {
      await auth.login(CREDENTIALS);
    },
    get: (path) => auth.http.get(path).json(),
    post: (path, value) => auth.http.post(path, { json: value }).text(),
    refresh: () => auth.refresh(),
    /** Whether the client itself can see that its access token has expired. */
    seesExpiry: () => auth.session.expiresAt !== null && auth.session.expiresAt <= Date.now(),
    dispose: () => auth.dispose(),
  };
}
