// The best refresh a ky user writes by hand, built from ky's README (afterResponse 401 ->
// refresh -> ky.retry) plus the two things careful users add:
//  1. single flight: one module-level promise, so concurrent 401s share one refresh call;
//  2. stale 401s: a 401 for a token that is no longer the current one replays with the current
//     token instead of refreshing again (it arrived after someone else's refresh finished).
// It also waits for a refresh in flight before sending, and replays at once (`delay: 0`). Like the
// README, it handles a 401 only on ky's first attempt (`retryCount === 0`).
// What it does not do, like every 401-driven recipe: look at the token's expiry before sending.
// So an expired token is always sent once, served a 401, and the request (with its body) is sent
// again.
import ky from 'ky';
import { loginPair } from './session.mjs';

export function createKySingleFlight(url, { timeout }) {
  let tokens;
  let refreshing = null;

  function refresh() {
    refreshing ??= ky
      .post(`${url}/auth/refresh`, { json: { refreshToken: tokens.refreshToken }, timeout })
      .json()
      .then((next) => {
        tokens = next;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  const api = ky.create({
    baseUrl: `${url}/`,
    timeout,
    hooks: {
      beforeRequest: [
        async ({ request }) => {
          if (refreshing) await refreshing.catch(() => undefined);
          request.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
        },
      ],
      afterResponse: [
        async ({ request, response, retryCount }) => {
          if (response.status !== 401 || retryCount > 0) return;
          if (request.headers.get('Authorization') === `Bearer ${tokens.accessToken}`) await refresh();
          const headers = new Headers(request.headers);
          headers.set('Authorization', `Bearer ${tokens.accessToken}`);
          return ky.retry({ request: new Request(request, { headers }), delay: 0 });
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
