// README: auth.fetch under axios (its fetch adapter, axios >= 1.12).
import axios from 'axios';
import { createAuthClient } from 'tokenflight';

const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });
const api = axios.create({
  baseURL: 'https://api.example.com/',
  adapter: 'fetch', // axios' fetch adapter...
  env: { fetch: auth.fetch }, // ...sending through auth.fetch: token, single-flight refresh, one replay
});

const { data } = await api.post<{ id: string }>('api/notes', { text: 'hello' });
console.log(data.id);
