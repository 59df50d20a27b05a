// docs/migrating.md: the same instance on tokenflight; the app's own hooks and options move to `http`.
import { createAuthClient } from 'tokenflight';

export const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  http: {
    timeout: 10_000,
    hooks: {
      afterResponse: [
        ({ response }) => {
          if (response.status >= 500) console.warn('server error', response.status); // an app hook, kept
        },
      ],
    },
  },
});

export const api = auth.http; // a ky instance: api.get('api/me').json() as before
