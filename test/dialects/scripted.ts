import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';

export const HOSTILE = 'http://hostile.test/';

/** base64url of a JSON value (or of raw text). */
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT-shaped string with any header and payload (never signed: the client never verifies). */
export const jwt = (header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl') => `${b64url(header)}.${b64url(payload)}.${signature}`;

/** What a scripted token call answers: a body to send as JSON, or a whole Response. */
export type Answer = unknown;

/**
 * A server that is not the reference one: its token answers are scripted per call (`n` counts token
 * calls from 1), its resource API accepts any Bearer and records what it saw. For hostile bodies the
 * reference server cannot produce.
 */
export function scriptedServer(msw: SetupServer, answer: (n: number, kind: 'login' | 'refresh') => Answer) {
  const seen = { login: 0, refresh: 0, logout: 0, bearers: [] as string[], tokenBodies: [] as string[], resource: 0 };
  const reply = (value: Answer) => (value instanceof Response ? value : HttpResponse.json(value as Record<string, unknown>));
  msw.use(
    http.post(`${HOSTILE}auth/login`, async ({ request }) => {
      seen.tokenBodies.push(await request.text());
      seen.login++;
      return reply(answer(seen.login + seen.refresh, 'login'));
    }),
    http.post(`${HOSTILE}auth/refresh`, async ({ request }) => {
      seen.tokenBodies.push(await request.text());
      seen.refresh++;
      return reply(answer(seen.login + seen.refresh, 'refresh'));
    }),
    http.post(`${HOSTILE}auth/logout`, () => {
      seen.logout++;
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(`${HOSTILE}api/*`, ({ request }) => {
      seen.resource++;
      seen.bearers.push(request.headers.get('authorization') ?? '');
      return HttpResponse.json({ ok: true });
    }),
  );
  return seen;
}

/** A well-formed answer with distinct tokens for call `n`. */
export const pair = (n: number, extra: Record<string, unknown> = {}) => ({
  access_token: `access-${n}-AbCdEfGhIjKlMnOp`,
  refresh_token: `refresh-${n}-QrStUvWxYz012345`,
  token_type: 'Bearer',
  expires_in: 300,
  ...extra,
});
