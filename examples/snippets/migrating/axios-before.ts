// docs/migrating.md: a typical axios-auth-refresh set-up, before the move.
import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';

export const api = axios.create({ baseURL: 'https://api.example.com/' });

api.interceptors.request.use((request) => {
  request.headers['Authorization'] = `Bearer ${localStorage.getItem('accessToken')}`;
  return request;
});

const refreshAuthLogic = (failedRequest: { response: { config: { headers: Record<string, string> } } }) =>
  axios
    .post<{ accessToken: string; refreshToken: string }>('https://api.example.com/auth/refresh', {
      refreshToken: localStorage.getItem('refreshToken'),
    })
    .then(({ data }) => {
      localStorage.setItem('accessToken', data.accessToken);
      localStorage.setItem('refreshToken', data.refreshToken);
      failedRequest.response.config.headers['Authorization'] = `Bearer ${data.accessToken}`;
    });

createAuthRefresh(api, refreshAuthLogic);

export async function loadProfile(): Promise<string> {
  const { data } = await api.get<{ username: string }>('api/me');
  return data.username;
}
