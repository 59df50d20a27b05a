// axios + axios-auth-refresh as its README sets it up: a request interceptor that reads the current
// token each time, `createAuthRefresh(instance, refreshAuthLogic)` with the default options
// (`deduplicateRefresh: true`, the README's recommended mode: the instance is paused while one
// refresh runs; it replaces v3's `pauseInstanceWhileRefreshing`), and refreshAuthLogic setting the
// new header on `failedRequest.response.config`. The refresh call goes through a second, bare
// instance so it is never intercepted. Both use axios' `fetch` adapter, so every client in the
// benchmark shares one HTTP stack (Node's fetch) and only the refresh logic differs.
import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { loginPair } from './session.mjs';

export function createAxiosAuthRefresh(url, { timeout }) {
  let tokens;
  const instance = axios.create({ baseURL: `${url}/`, timeout, adapter: 'fetch' });
  const bare = axios.create({ baseURL: `${url}/`, timeout, adapter: 'fetch' });

  // Obtain the fresh token each time the function is called
  const getAccessToken = () => tokens.accessToken;
  instance.interceptors.request.use((request) => {
    request.headers['Authorization'] = `Bearer ${getAccessToken()}`;
    return request;
  });

  const refreshAuthLogic = (failedRequest) =>
    bare.post('auth/refresh', { refreshToken: tokens.refreshToken }, { skipAuthRefresh: true }).then((tokenRefreshResponse) => {
      tokens = tokenRefreshResponse.data;
      failedRequest.response.config.headers['Authorization'] = 'Bearer ' + tokens.accessToken;
      return Promise.resolve();
    });
  createAuthRefresh(instance, refreshAuthLogic);

  return {
    async login() {
      tokens = await loginPair(url);
    },
    get: (path) => instance.get(path).then((response) => response.data),
    post: (path, value) => instance.post(path, value, { responseType: 'text' }).then((response) => response.data),
    dispose() {},
  };
}
