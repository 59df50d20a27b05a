import { describe, expect, it } from 'vitest';
import { createAuthClient, isConfigError, type AuthClientOptions } from '../../src';
import { setup, signIn } from './support';

const env = setup();

const configError = (options: AuthClientOptions): unknown => {
  try {
    createAuthClient(options).dispose();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('tokens travel only over TLS (RFC 6749 §3.1/§3.2, RFC 6750 §5.3)', () => {
  it.each<[string, AuthClientOptions]>([
    ['baseUrl', { baseUrl: 'http://api.example.com/' }],
    ['trustedOrigins', { baseUrl: 'https://api.example.com/', trustedOrigins: ['http://files.example.com'] }],
    ['endpoints.login', { baseUrl: 'https://api.example.com/', endpoints: { login: 'http://id.example.com/login' } }],
    ['endpoints.refresh', { baseUrl: 'https://api.example.com/', endpoints: { refresh: 'http://id.example.com/refresh' } }],
    ['endpoints.logout', { baseUrl: 'https://api.example.com/', endpoints: { logout: 'http://id.example.com/logout' } }],
    ['endpoints.keys', { baseUrl: 'https://api.example.com/', endpoints: { keys: 'http://id.example.com/keys' } }],
    ['a host that only starts like localhost', { baseUrl: 'http://localhost.example.com/' }],
    ['a name that embeds a loopback address', { baseUrl: 'http://127.0.0.1.nip.io/' }],
    ['another IPv6 address', { baseUrl: 'http://[::2]/' }],
    ['the unspecified address', { baseUrl: 'http://0.0.0.0/' }],
  ])('plain http in %s: a ConfigError that names the option and the opt-in', (name, options) => {
    const error = configError(options);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('allowInsecureHttp');
    if (!name.includes(' ')) expect((error as Error).message).toContain(`\`${name}\``);
  });

  it.each([
    'http://localhost/',
    'http://localhost:8080/api/',
    'http://LOCALHOST./',
    'http://dev.localhost:3000/',
    'http://127.0.0.1:4000/',
    'http://127.8.9.10/',
    'http://127.1/',
    'http://[::1]:4000/',
  ])('loopback stays allowed without the opt-in: %s', (baseUrl) => {
    expect(configError({ baseUrl, trustedOrigins: ['http://127.0.0.1:5000', 'http://files.localhost'] })).toBeUndefined();
  });

  it('https everywhere needs no opt-in', () => {
    expect(configError({ baseUrl: 'https://api.example.com/', trustedOrigins: ['https://files.example.com'], endpoints: { login: 'https://id.example.com/login' } })).toBeUndefined();
  });

  it('allowInsecureHttp: true accepts a plain-http server, and the client works against it', async () => {
    const server = env.server({ origin: 'http://auth.test' });
    expect(configError({ baseUrl: 'http://auth.test/', trustedOrigins: ['http://files.test'], allowInsecureHttp: true })).toBeUndefined();
    const auth = env.client({ baseUrl: 'http://auth.test/', allowInsecureHttp: true, autoRefresh: false });
    await signIn(auth);
    await expect(auth.http.get('api/me').json()).resolves.toMatchObject({ sub: 'ada' });
    expect(server.origin).toBe('http://auth.test');
  });

  it('the reference server answers on https://auth.test by default, so tests need no opt-in', async () => {
    const server = env.server();
    expect(server.origin).toBe('https://auth.test');
    const auth = env.client({ baseUrl: `${server.origin}/`, autoRefresh: false });
    await signIn(auth);
    expect(auth.session.status).toBe('authenticated');
  });
});
