// ky's README recipe for a token refresh (readme.md, hooks.afterResponse: "Or retry with a fresh
// token on a 401 error"), adapted only as far as needed to run: the refresh call sends the refresh
// token this server expects and keeps the rotated pair, and a beforeRequest hook attaches the
// current access token. As in the README, every 401 refreshes on its own (no de-duplication) and
// `ky.retry()` is called without `delay`, so ky's default retry delay (300 ms) applies.
import ky from 'ky';
import { loginPair } from './session.mjs';

export function createKyReadme(url, { timeout }) {
  let tokens;
  const api = ky.create({
    baseUrl: `${url}/`,
    timeout,
    hooks: {
      beforeRequest: [
        ({ request }) => {
          request.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
        },
      ],
      afterResponse: [
        async ({ request, response, retryCount }) => {
          if (response.status === 401 && retryCount === 0) {
            // Only refresh on first 401, not on subsequent retries
            tokens = await ky.post(`${url}/auth/refresh`, { json: { refreshToken: tokens.refreshToken }, timeout }).json();
            const headers = new Headers(request.headers);
            headers.set('Authorization', `Bearer ${tokens.accessToken}`);
            return ky.retry({ request: new Request(request, { headers }), code: 'TOKEN_REFRESHED' });
          }
        },
      ],
    },
  });
  return {
    async login() {
      tokens = await loginPair(url);
    },
    get: (path) => api.get(path).json(),
    post: (path, value) => api.post(path, { json: value }).text(),
    dispose() {},
  };
}
