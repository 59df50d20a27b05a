// docs/migrating.md: keep an axios instance for a while; tokenflight owns the session and its refresh.
import axios from 'axios';
import { createAuthClient, webStorage } from 'tokenflight';

export const auth = createAuthClient({ baseUrl: 'https://api.example.com/', storage: webStorage(localStorage) });

// Only for the API's origin: this interceptor, unlike auth.http, attaches the token to whatever URL it is given.
export const legacyApi = axios.create({ baseURL: 'https://api.example.com/' });
legacyApi.interceptors.request.use(async (request) => {
  const token = await auth.getAccessToken(); // valid (refreshed first when due, one refresh for all), or null
  if (token !== null) request.headers.set('Authorization', `Bearer ${token}`);
  return request;
});
