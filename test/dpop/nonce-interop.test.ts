import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { record, setupDpop, signIn } from './support';

const env = setupDpop();

describe('nonce challenges in the shapes servers really send', () => {
  it('a token endpoint asking with 401 (body or WWW-Authenticate) instead of 400: sent again with the nonce, the session lives on', async () => {
    for (const shape of ['401 body', '401 challenge'] as const) {
      const server = env.server({ accessTokenTtl: 60 });
      const auth = env.dpopClient({ autoRefresh: false });
      await signIn(auth);
      const log = record(auth);
      let asked = false;
      env.msw.use(
        http.post(`${server.origin}/auth/refresh`, ({ request }) => {
          if (asked) return server.handle(request);
          asked = true;
          const headers: Record<string, string> = { 'DPoP-Nonce': 'fresh-nonce' };
          if (shape === '401 challenge') headers['WWW-Authenticate'] = 'DPoP error="use_dpop_nonce", error_description="Nonce required"';
          return HttpResponse.json({ error: 'use_dpop_nonce' }, { status: 401, headers });
        }),
      );
      env.clear();
      await auth.refresh();
      const refreshes = env.to('/auth/refresh');
      expect(refreshes, shape).toHaveLength(2);
      expect(refreshes[1]?.claims?.['nonce'], shape).toBe('fresh-nonce');
      expect(log.of('session:end'), shape).toEqual([]);
      expect(log.of('session:refresh'), shape).toHaveLength(1);
      env.msw.resetHandlers();
    }
  });

  it('a resource server asking with a 400 use_dpop_nonce body: sent again once with the nonce', async () => {
    const server = env.server();
    const auth = env.dpopClient();
    await signIn(auth);
    let asked = false;
    env.msw.use(
      http.get(`${server.origin}/api/me`, ({ request }) => {
        if (asked) return server.handle(request);
        asked = true;
        return HttpResponse.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'DPoP-Nonce': 'rs-nonce' } });
      }),
    );
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ username: 'ada' });
    expect(env.to('/api/me').map((entry) => entry.claims?.['nonce'])).toEqual([undefined, 'rs-nonce']);
  });
});
