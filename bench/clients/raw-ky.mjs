// Baseline: plain ky with a fixed, valid Bearer header. No refresh logic at all, so it only appears
// in the overhead and memory scenarios (it cannot survive an expiry).
import ky from 'ky';
import { loginPair } from './session.mjs';

export function createRawKy(url, { timeout }) {
  let api;
  return {
    async login() {
      const { accessToken } = await loginPair(url);
      api = ky.create({ baseUrl: `${url}/`, timeout, headers: { authorization: `Bearer ${accessToken}` } });
    },
    get: (path) => api.get(path).json(),
    post: (path, value) => api.post(path, { json: value }).text(),
    dispose() {},
  };
}
