import ky, { isTimeoutError } from 'ky';
import type { DpopSession } from '../dpop/session';
import { isSessionEndedError } from '../errors';
import type { Clock, TimerHandle } from '../lifecycle/clock';
import { classifyResponse, classifySuccessBody, EndpointFailureError, type EndpointFailure } from './failure';
import { redactCause, secretsOf } from './redact';

/**
 * A user-supplied refresh for servers that fit neither the JSON nor the OAuth 2.0 shape. Returns the
 * token response body (or a `Response`, read like the built-in endpoints read theirs). Throw a
 * `SessionEndedError` to end the session; any other error is transient.
 */
export type CustomRefresh = (context: { refreshToken: string | null; signal: AbortSignal }) => Promise<unknown>;

export interface EndpointConfig {
  fetch: typeof globalThis.fetch;
  clock: Clock;
  timeout: number;
  protocol: 'json' | 'oauth';
  loginUrl: string | null;
  refreshUrl: string;
  /** JSON logout endpoint (`{ refreshToken }`), or the RFC 7009 revocation endpoint in `oauth` mode. */
  revokeUrl: string | null;
  cookie: boolean;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  audience: string | undefined;
  deviceInfo: string | null;
  customRefresh: CustomRefresh | undefined;
  /** Extra headers for the auth endpoints (an API key, a tenant id); never a token. */
  headers: Readonly<Record<string, string>>;
  /** DPoP (RFC 9449): a proof on every call, nonce retry, `token_type: DPoP` answers. `null`: off (Bearer only). */
  dpop?: DpopSession | null;
}

/** What a successful call returned: the parsed body, receipt time and server clock offset. */
export interface EndpointResult {
  body: unknown;
  receivedAt: number;
  serverOffset: number;
  /**
   * DPoP: the thumbprint of the key this very response answered a proof of, set only for a
   * `token_type: DPoP` answer (RFC 9449 §5). Never read from the body: a server cannot make a client
   * without DPoP accept a bound token.
   */
  jkt?: string | undefined;
}

/** One revocation attempt: done (revoked, or nothing left to revoke), worth retrying later, or refused; `failure` says how. */
export type RevokeOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; retryAfterMs?: number; failure?: EndpointFailure }
  | { kind: 'rejected'; reason: string; status?: number; failure?: EndpointFailure };

/** The URLs a call goes to: the token endpoint (refresh, other grants), login (`null`: none) and revocation (`null`: none). */
export interface EndpointUrls {
  token: string;
  login: string | null;
  revoke: string | null;
}

export interface TokenEndpoint {
  login(credentials: Readonly<Record<string, unknown>>): Promise<EndpointResult>;
  /**
   * A form POST (`grant_type=authorization_code`...) with the client's authentication, under the same timeout,
   * no-redirect rule, headers and failure policy as a refresh. `secret` is a value a rejection must never echo.
   */
  postForm(url: string, fields: Readonly<Record<string, string | undefined>>, secret: string | null): Promise<EndpointResult>;
  /** Resolves the URLs of each call; replaceable (the code flow's discovery). A throw is a transient failure. */
  urls: () => Promise<EndpointUrls>;
  refresh(refreshToken: string | null): Promise<EndpointResult>;
  /** One best-effort revocation attempt: `true` when done, `false` otherwise; never throws. */
  revoke(refreshToken: string | null): Promise<boolean>;
  /** One revocation attempt with the detail a retry policy needs; never throws. */
  revokeOnce(refreshToken: string | null): Promise<RevokeOutcome>;
  /** Each call as errors name it: method and URL path (no query), e.g. `POST /auth/refresh`. */
  readonly at: { readonly login: string; readonly refresh: string; readonly revoke: string };
}

/** Rejections of a revocation that mean the token is already unusable: nothing left to revoke. */
const ALREADY_DEAD = new Set(['invalid_grant', 'invalid_token']);
/** Offsets under 5 s are within the `Date` header's 1 s resolution plus latency: ignored. */
const MIN_OFFSET_MS = 5000;

const form = (fields: Record<string, string | undefined>): URLSearchParams => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
  return params;
};

/** RFC 6749 §2.3.1: client credentials are form-encoded before going into Basic. */
const basic = (id: string, secret: string): string =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`.replace(/%20/g, '+'))}`;

/** Whether `text` repeats a secret: all of a short one, or any 12 characters of a long one. */
function echoes(text: string, secret: string | null | undefined): boolean {
  if (!secret) return false;
  if (secret.length < 12) return text.includes(secret);
  for (let i = 0; i + 12 <= text.length; i++) if (secret.includes(text.slice(i, i + 12))) return true;
  return false;
}

/** A rejection whose OAuth "code" repeats what was sent (a token, a password: a server echoing it) is never surfaced. */
function redact(failure: EndpointFailure, secrets: readonly (string | null)[]): EndpointFailure {
  if (failure.kind !== 'terminal' || !secrets.some((secret) => echoes(failure.reason, secret))) return failure;
  return { ...failure, reason: 'invalid_grant' };
}

/** `POST /path`: what an error may say about an endpoint (a query may hold an API key). */
const label = (url: string | null): string => (url === null ? 'none' : `POST ${new URL(url).pathname}`);

/** A thrown error, classified: timeout, network (CORS looks the same), or a request that could not be built. */
function thrown(error: unknown, at: string, secrets: readonly string[], sent: boolean, status?: number): EndpointFailureError {
  const code = isTimeoutError(error) ? 'timeout' : sent ? 'network' : 'config';
  return new EndpointFailureError({ kind: 'transient', code, noResponse: true, at, cause: redactCause(error, secrets), ...(status === undefined ? {} : { status }) });
}

/** In cookie mode the refresh token must never reach the client's memory or storage, even if a server sends one. */
export function withoutRefreshToken(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { refresh_token: _snake, refreshToken: _camel, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** The only code that talks to login/refresh/revoke, through a bare ky instance without auth hooks. */
export function createTokenEndpoint(config: EndpointConfig): TokenEndpoint {
  const dpop = config.dpop;
  /** Every token-endpoint call goes through it (with DPoP: a fresh proof per send). */
  const base = dpop?.tokenFetch(config.fetch) ?? config.fetch;
  const http = ky.create({
    fetch: base,
    retry: 0,
    throwHttpErrors: false,
    timeout: config.timeout,
    credentials: config.cookie ? 'include' : 'same-origin',
    // A redirect would carry the refresh token in the body to another URL: never follow one.
    redirect: 'manual',
    headers: { accept: 'application/json', ...config.headers },
  });
  const extra = { device_info: config.deviceInfo ?? undefined, audience: config.audience };
  const clientAuth = config.clientSecret !== undefined && config.clientId !== undefined;
  const strip = (body: unknown) => (config.cookie ? withoutRefreshToken(body) : body);
  const at = { login: label(config.loginUrl), refresh: config.customRefresh === undefined ? label(config.refreshUrl) : 'custom refresh', revoke: label(config.revokeUrl) };
  /** What must never survive into an error: the client secret, the endpoint headers (API keys), plus each call's own. */
  const configured = secretsOf([config.clientSecret, ...Object.values(config.headers)]);

  /**
   * The answer, and its body read under ky's timeout (a `Response`'s own `text()` has none: a stalled
   * body would hang forever). A throw carries only a redacted view of the error: ky's errors hold the
   * request (and so the refresh token or password in its body), and are never chained.
   */
  async function send(url: string, payload: Record<string, unknown> | URLSearchParams, where: string, secrets: readonly string[]) {
    let sent = false;
    try {
      const pending = http.post(url, {
        ...(payload instanceof URLSearchParams ? { body: payload } : { json: payload }),
        ...(clientAuth && payload instanceof URLSearchParams
          ? { headers: { authorization: basic(config.clientId ?? '', config.clientSecret ?? '') } }
          : {}),
        fetch: (input: RequestInfo | URL, init?: RequestInit) => ((sent = true), base(input, init)),
      });
      const response = await pending;
      return { response, text: () => pending.text() };
    } catch (error) {
      throw thrown(error, where, secrets, sent);
    }
  }

  async function read(response: Response, where: string, secrets: readonly string[], readText: () => Promise<string> = () => response.text()): Promise<EndpointResult> {
    const receivedAt = config.clock.now();
    const fail = (failure: EndpointFailure) => new EndpointFailureError({ ...redact(failure, secrets), at: where });
    let text: string;
    try {
      text = await readText();
    } catch (error) {
      throw thrown(error, where, secrets, true, response.status);
    }
    if (!response.ok) throw fail(classifyResponse(response.status, text, response.headers, receivedAt));
    const date = Date.parse(response.headers.get('date') ?? '');
    const offset = Number.isFinite(date) ? date - receivedAt : 0;
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw fail({ kind: 'transient', code: 'body', status: response.status, noResponse: false });
    }
    const failure = classifySuccessBody(response.status, body);
    if (failure !== undefined) throw fail(failure);
    return { body: strip(body), receivedAt, serverOffset: Math.abs(offset) < MIN_OFFSET_MS ? 0 : offset, jkt: dpop?.boundTo(body, response) };
  }

  const post = async (url: string, payload: Record<string, unknown> | URLSearchParams, where: string, secrets: readonly string[]) => {
    const { response, text } = await send(url, payload, where, secrets);
    return read(response, where, secrets, text);
  };

  /** Runs the custom refresh under the client's clock-driven timeout; its errors are never chained (they may hold the token). */
  async function custom(run: CustomRefresh, refreshToken: string | null): Promise<EndpointResult> {
    const controller = new AbortController();
    let timer: TimerHandle | undefined;
    const secrets = [...secretsOf([refreshToken]), ...configured];
    const timedOut = new Promise<never>((_, reject) => {
      timer = config.clock.setTimeout(() => {
        const failure = new EndpointFailureError({ kind: 'transient', code: 'timeout', noResponse: false, at: at.refresh });
        controller.abort(failure);
        reject(failure);
      }, config.timeout);
    });
    try {
      const result = await Promise.race([run({ refreshToken, signal: controller.signal }), timedOut]);
      // The body read too stays under the timeout: a stalled body must not hang the refresh.
      if (result instanceof Response) return await Promise.race([read(result, at.refresh, secrets), timedOut]);
      return { body: strip(result), receivedAt: config.clock.now(), serverOffset: 0 };
    } catch (error) {
      if (error instanceof EndpointFailureError) throw error;
      if (isSessionEndedError(error)) throw new EndpointFailureError({ kind: 'terminal', reason: error.reason, at: at.refresh });
      throw new EndpointFailureError({ kind: 'transient', code: 'network', noResponse: false, at: at.refresh, cause: redactCause(error, secrets) });
    } finally {
      config.clock.clearTimeout(timer);
    }
  }

  const clientFields = () => (clientAuth ? {} : { client_id: config.clientId });
  const device = () => (config.deviceInfo === null ? {} : { deviceInfo: config.deviceInfo });
  const audience = () => (config.audience === undefined ? {} : { audience: config.audience });

  async function revokeOnce(refreshToken: string | null): Promise<RevokeOutcome> {
    if (refreshToken === null && !config.cookie) return { kind: 'done' };
    let revokeUrl: string | null;
    try {
      revokeUrl = (await self.urls()).revoke;
    } catch {
      return { kind: 'retry' };
    }
    if (revokeUrl === null) return { kind: 'done' };
    const payload =
      config.protocol === 'oauth'
        ? form({ token: refreshToken ?? undefined, token_type_hint: 'refresh_token', ...clientFields() })
        : config.cookie
          ? {}
          : { refreshToken };
    const secrets = [...secretsOf([refreshToken]), ...configured];
    let response: Response;
    let text: () => Promise<string>;
    try {
      ({ response, text } = await send(revokeUrl, payload, at.revoke, secrets));
    } catch (error) {
      return { kind: 'retry', ...(error instanceof EndpointFailureError ? { failure: error.failure } : {}) };
    }
    if (response.ok) {
      void response.body?.cancel().catch(() => undefined);
      return { kind: 'done' };
    }
    const classified = classifyResponse(response.status, await text().catch(() => ''), response.headers, config.clock.now());
    const failure: EndpointFailure = { ...redact(classified, secrets), at: at.revoke };
    if (failure.kind === 'transient') return { kind: 'retry', failure, ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }) };
    if (ALREADY_DEAD.has(failure.reason)) return { kind: 'done' };
    return { kind: 'rejected', reason: failure.reason, status: response.status, failure };
  }

  const self: TokenEndpoint = {
    at,
    urls: async () => ({ token: config.refreshUrl, login: config.loginUrl, revoke: config.revokeUrl }),
    async login(credentials) {
      const loginUrl = (await self.urls()).login;
      if (loginUrl === null) throw new EndpointFailureError({ kind: 'terminal', reason: 'no-login-endpoint' });
      // The password and every other credential value (an OTP, a username that is an e-mail) stay out of errors.
      const secrets = [...secretsOf(Object.values(credentials)), ...configured];
      if (config.protocol === 'json') return post(loginUrl, { ...credentials, ...device(), ...audience() }, at.login, secrets);
      const fields: Record<string, string | undefined> = { grant_type: 'password', scope: config.scope, ...clientFields(), ...extra };
      for (const [key, value] of Object.entries(credentials)) if (typeof value === 'string') fields[key] = value;
      return post(loginUrl, form(fields), at.login, secrets);
    },

    postForm: (url, fields, secret) => post(url, form({ ...fields, ...clientFields() }), at.refresh, [...secretsOf([secret]), ...configured]),

    async refresh(refreshToken) {
      if (config.customRefresh !== undefined) return custom(config.customRefresh, refreshToken);
      // No refresh token was issued (optional in RFC 6749 §5.1): nothing to send; the session ends with its access token.
      if (refreshToken === null && !config.cookie) throw new EndpointFailureError({ kind: 'terminal', reason: 'expired' });
      // DPoP: a token bound to a key this client no longer holds is never sent (the session ends with `dpop-key-lost`).
      await dpop?.checkRefresh(refreshToken);
      const refreshUrl = (await self.urls()).token;
      if (config.protocol === 'json') {
        return post(refreshUrl, { ...(config.cookie ? {} : { refreshToken }), ...device(), ...audience() }, at.refresh, [...secretsOf([refreshToken]), ...configured]);
      }
      return self.postForm(refreshUrl, { grant_type: 'refresh_token', refresh_token: refreshToken ?? undefined, scope: config.scope, ...extra }, refreshToken);
    },

    revokeOnce,
    revoke: async (refreshToken) => (await revokeOnce(refreshToken)).kind === 'done',
  };
  return self;
}
