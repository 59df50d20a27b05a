// README: Security notes (HttpOnly cookie).
import { createAuthClient, webStorage } from 'tokenflight';

// The refresh token stays in an HttpOnly cookie; localStorage only ever holds the short-lived access token.
const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  cookie: true,
  storage: webStorage(localStorage),
});

export { auth };
