// docs/diagnostics.md: Troubleshooting: diagnostics.
import { createAuthClient, type DebugEntry } from 'tokenflight';

const auth = createAuthClient({
  baseUrl: 'http://127.0.0.1:8080/api/',
  // Off unless set: nothing is built or formatted without it. Entries never hold a token or a password.
  debug(entry: DebugEntry) {
    if (entry.type === 'token-withheld' && entry.hint !== undefined) console.warn('tokenflight:', entry.hint);
    else console.debug('tokenflight', entry.type, entry);
  },
});

// 'http://localhost:8080' is not 'http://127.0.0.1:8080': this request goes out without the token,
// and `debug` receives a `token-withheld` entry whose hint says so.
await auth.http.get('http://localhost:8080/api/me', { throwHttpErrors: false });

export { auth };
