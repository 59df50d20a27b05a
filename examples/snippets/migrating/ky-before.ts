// docs/migrating.md: a hand-written ky refresh (afterResponse 401 -> refresh -> ky.retry), before the move.
import ky from 'ky';

let tokens = { accessToken: '', refreshToken: '' };
let refreshing: Promise<void> | null = null;

function refresh(): Promise<void> {
  refreshing ??= ky
    .post('https://api.example.com/auth/refresh', { json: { refreshToken: tokens.refreshToken } })
    .json<typeof tokens>()
    .then((next) => {
      tokens = next;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export const api = ky.create({
  baseUrl: 'https://api.example.com/',
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
        await refresh();
        const headers = new Headers(request.headers);
        headers.set('Authorization', `Bearer ${tokens.accessToken}`);
        return ky.retry({ request: new Request(request, { headers }), delay: 0 });
      },
      ({ response }) => {
        if (response.status >= 500) console.warn('server error', response.status); // an app hook, kept
      },
    ],
  },
});
