import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { DebugEntry } from '../../src';
import { recordAll } from '../client/support';
import { consent, ISSUER, setupCodeFlow, unsignedJwt } from './support';

const t = setupCodeFlow();

/** Everything an error lets a caller see: message, own fields, cause chain. */
const visible = (error: unknown): string => {
  const seen: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && seen.length < 5; e = (e as { cause?: unknown }).cause) {
    seen.push({ message: (e as Error).message, stack: (e as Error).stack, ...(e as object) });
  }
  return JSON.stringify(seen);
};

describe('no code, verifier or ID token leaves through errors, events or debug entries', () => {
  it('across success and every kind of failure of the exchange', async () => {
    const server = t.start();
    const debug: DebugEntry[] = [];
    const said: string[] = [];
    const secrets: string[] = [];
    const failures: Array<[string, () => void]> = [
      ['ok', () => undefined],
      ['network', () => t.env.msw.use(http.post(`${ISSUER}/oauth/token`, () => HttpResponse.error()))],
      ['echoing server', () => t.env.msw.use(http.post(`${ISSUER}/oauth/token`, async ({ request }) => HttpResponse.json({ error: (await request.text()).toLowerCase() }, { status: 400 })))],
      ['html 500', () => t.env.msw.use(http.post(`${ISSUER}/oauth/token`, async ({ request }) => new HttpResponse(`<pre>${await request.text()}</pre>`, { status: 500 })))],
      ['bad id token', () => t.env.msw.use(http.post(`${ISSUER}/oauth/token`, async ({ request }) => HttpResponse.json({ ...((await (await server.handle(request)).json()) as object), id_token: unsignedJwt({ iss: ISSUER, aud: 'x', sub: 'ada' }) })))],
    ];
    for (const [label, arrange] of failures) {
      t.env.msw.resetHandlers(...server.handlers);
      arrange();
      const auth = t.client({ debug: (entry: DebugEntry) => debug.push(entry) } as never);
      const log = recordAll(auth);
      const { flow, store } = t.flow(auth);
      const url = await flow.authorizationUrl();
      const callback = await consent(url);
      // (The nonce is not among them: once used, it is one of the ID token's claims in `session.user`.)
      const transaction = JSON.parse([...store.map.values()][0] ?? '{}') as { verifier: string };
      secrets.push(transaction.verifier, new URL(callback).searchParams.get('code') ?? '');
      const outcome = await flow.complete(callback).then(
        () => 'ok',
        (error: unknown) => visible(error),
      );
      said.push(`${label}: ${outcome}`, JSON.stringify(log.events));
      const hint = new URL((await flow.endSessionUrl()) ?? 'https://x.test/').searchParams.get('id_token_hint');
      if (hint !== null) secrets.push(hint, hint.split('.')[1] ?? '');
      await auth.logout();
      said.push(JSON.stringify(log.events));
    }
    said.push(JSON.stringify(debug));
    const text = said.join('\n');
    expect(secrets.filter((s) => s.length >= 20)).toHaveLength(secrets.length);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('network');
  });
});
