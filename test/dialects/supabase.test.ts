import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSessionEndedError } from '../../src';
import { createSupabaseAuth } from '../../examples/snippets/supabase';

const PROJECT = 'https://project.supabase.test';
const KEY = 'anon-key';

/** A GoTrue-shaped fake: password and refresh_token grants with rotation, a REST API behind apikey + Bearer. */
function gotrue() {
  let n = 0;
  const live = new Set<string>();
  const used = new Set<string>();
  const access = new Set<string>();
  const calls = { refresh: 0, apikeyMissing: 0 };
  const pair = () => {
    n++;
    const tokens = { access_token: `access-${n}`, refresh_token: `refresh-${n}` };
    live.add(tokens.refresh_token);
    access.add(tokens.access_token);
    return { ...tokens, token_type: 'bearer', expires_in: 3600, expires_at: 0, user: { id: 'u1' } };
  };
  const handlers = [
    http.post(`${PROJECT}/auth/v1/token`, async ({ request }) => {
      if (request.headers.get('apikey') !== KEY) {
        calls.apikeyMissing++;
        return HttpResponse.json({ message: 'No API key found in request' }, { status: 401 });
      }
      const grant = new URL(request.url).searchParams.get('grant_type');
      const body = (await request.json()) as Record<string, string>;
      if (grant === 'password') return body['email'] === 'ada@example.com' ? HttpResponse.json(pair()) : HttpResponse.json({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' }, { status: 400 });
      calls.refresh++;
      const token = body['refresh_token'] ?? '';
      if (used.has(token)) return HttpResponse.json({ code: 400, error_code: 'refresh_token_already_used', msg: 'Invalid Refresh Token: Already Used' }, { status: 400 });
      if (!live.has(token)) return HttpResponse.json({ code: 400, error_code: 'refresh_token_not_found', msg: 'Invalid Refresh Token: Refresh Token Not Found' }, { status: 400 });
      live.delete(token);
      used.add(token);
      return HttpResponse.json(pair());
    }),
    http.get(`${PROJECT}/rest/v1/todos`, ({ request }) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
      if (request.headers.get('apikey') !== KEY || !access.has(token)) return HttpResponse.json({ message: 'JWT expired' }, { status: 401 });
      return HttpResponse.json([{ id: 1 }]);
    }),
  ];
  return { handlers, calls, expireAll: () => access.clear(), reuse: (token: string) => used.add(token) && live.delete(token) };
}

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

describe('a Supabase-style server (README recipe)', () => {
  it('logs in with the apikey header, refreshes on a 401 with refresh_token in JSON, replays', async () => {
    const server = gotrue();
    msw.use(...server.handlers);
    const auth = createSupabaseAuth(PROJECT, KEY);
    await auth.login({ email: 'ada@example.com', password: 'secret' });
    server.expireAll();
    await expect(auth.http.get('todos').json()).resolves.toEqual([{ id: 1 }]);
    expect(server.calls).toEqual({ refresh: 1, apikeyMissing: 0 });
    auth.dispose();
  });

  it('a 400 with error_code ends the session with that reason, not an endless retry', async () => {
    const server = gotrue();
    msw.use(...server.handlers);
    const auth = createSupabaseAuth(PROJECT, KEY);
    await auth.login({ email: 'ada@example.com', password: 'secret' });
    server.reuse('refresh-1');
    server.expireAll();
    const error = await auth.http.get('todos').catch((e: unknown) => e);
    expect(isSessionEndedError(error) && error.reason).toBe('refresh_token_already_used');
    expect(auth.session.status).toBe('unauthenticated');
    auth.dispose();
  });
});
