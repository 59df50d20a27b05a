import ky, { isTimeoutError } from 'ky';
import type { Clock } from '../lifecycle/clock';
import { classifyResponse, EndpointFailureError } from './failure';

/** A user-supplied refresh for servers that fit neither the JSON nor the OAuth 2.0 shape. */
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
}

/** What a successful call returned: the parsed body, receipt time and server clock offset. */
export interface EndpointResult {
  body: unknown;
  receivedAt: number;
  serverOffset: number;
}

export interface TokenEndpoint {
  login(credentials: Readonly<Record<string, unknown>>): Promise<EndpointResult>;
  refresh(refreshToken: string | null): Promise<EndpointResult>;
  /** Best-effort revocation: resolves `true` when done, `false` when worth retrying later; never throws. */
  revoke(refreshToken: string | null): Promise<boolean>;
}

const form = (fields: Record<string, string | undefined>): URLSearchParams => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
  return params;
};

/** RFC 6749 §2.3.1: client credentials are form-encoded before going into Basic. */
const basic = (id: string, secret: string): string =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`.replace(/%20/g, '+'))}`;

/** The only code that talks to login/refresh/revoke, through a bare ky instance without auth hooks. */
export function createTokenEndpoint(config: EndpointConfig): TokenEndpoint {
  const http = ky.create({
    fetch: config.fetch,
    retry: 0,
    throwHttpErrors: false,
    timeout: config.timeout,
    credentials: config.cookie ? 'include' : 'same-origin',
    headers: { accept: 'application/json' },
  });
  const extra = { device_info: config.deviceInfo ?? undefined, audience: config.audience };
  const clientAuth = config.clientSecret !== undefined && config.clientId !== undefined;

  async function post(url: string, payload: Record<string, unknown> | URLSearchParams): Promise<EndpointResult> {
    let response: Response;
    try {
      response = await http.post(url, {
        ...(payload instanceof URLSearchParams ? { body: payload } : { json: payload }),
        ...(clientAuth && payload instanceof URLSearchParams
          ? { headers: { authorization: basic(config.clientId ?? '', config.clientSecret ?? '') } }
          : {}),
      });
    } catch (error) {
      // ky's errors hold the request (and so the refresh token in its body): never chain them.
      throw new EndpointFailureError({ kind: 'transient', code: isTimeoutError(error) ? 'timeout' : 'network', noResponse: true });
    }
    return read(response);
  }

  async function read(response: Response): Promise<EndpointResult> {
    const receivedAt = config.clock.now();
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new EndpointFailureError({ kind: 'transient', code: 'network', status: response.status, noResponse: true });
    }
    if (!response.ok) throw new EndpointFailureError(classifyResponse(response.status, text, response.headers, receivedAt));
    const date = Date.parse(response.headers.get('date') ?? '');
    const offset = Number.isFinite(date) ? date - receivedAt : 0;
    try {
      // Offsets under 5 s are within the header's 1 s resolution plus latency: ignore them.
      return { body: JSON.parse(text) as unknown, receivedAt, serverOffset: Math.abs(offset) < 5000 ? 0 : offset };
    } catch {
      throw new EndpointFailureError({ kind: 'transient', code: 'body', status: response.status, noResponse: false });
    }
  }

  const clientFields = () => (clientAuth ? {} : { client_id: config.clientId });

  return {
    login(credentials) {
      if (config.loginUrl === null) throw new EndpointFailureError({ kind: 'terminal', reason: 'no-login-endpoint' });
      if (config.protocol === 'json') return post(config.loginUrl, { ...credentials, ...(config.deviceInfo === null ? {} : { deviceInfo: config.deviceInfo }) });
      const fields: Record<string, string | undefined> = { grant_type: 'password', scope: config.scope, ...clientFields(), ...extra };
      for (const [key, value] of Object.entries(credentials)) if (typeof value === 'string') fields[key] = value;
      return post(config.loginUrl, form(fields));
    },

    async refresh(refreshToken) {
      if (config.customRefresh !== undefined) {
        const signal = AbortSignal.timeout(config.timeout);
        let body: unknown;
        try {
          body = await config.customRefresh({ refreshToken, signal });
        } catch (error) {
          if (error instanceof EndpointFailureError) throw error;
          const terminal = typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'TF_SESSION_ENDED';
          const reason = terminal ? String((error as { reason?: unknown }).reason ?? 'invalid_grant') : '';
          throw new EndpointFailureError(terminal ? { kind: 'terminal', reason } : { kind: 'transient', code: 'network', noResponse: true });
        }
        return { body, receivedAt: config.clock.now(), serverOffset: 0 };
      }
      if (config.protocol === 'json') {
        return post(config.refreshUrl, {
          ...(config.cookie ? {} : { refreshToken }),
          ...(config.deviceInfo === null ? {} : { deviceInfo: config.deviceInfo }),
          ...(config.audience === undefined ? {} : { audience: config.audience }),
        });
      }
      return post(
        config.refreshUrl,
        form({ grant_type: 'refresh_token', refresh_token: refreshToken ?? undefined, scope: config.scope, ...clientFields(), ...extra }),
      );
    },

    async revoke(refreshToken) {
      if (config.revokeUrl === null || (refreshToken === null && !config.cookie)) return true;
      try {
        const payload =
          config.protocol === 'oauth'
            ? form({ token: refreshToken ?? undefined, token_type_hint: 'refresh_token', ...clientFields() })
            : config.cookie
              ? {}
              : { refreshToken };
        await post(config.revokeUrl, payload);
        return true;
      } catch (error) {
        const failure = error instanceof EndpointFailureError ? error.failure : undefined;
        return failure?.kind === 'terminal' || failure?.code === 'body';
      }
    },
  };
}
