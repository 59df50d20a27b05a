// README: auth.fetch behind an EventSource (server-sent events) with the `eventsource` package.
import { EventSource } from 'eventsource';
import { createAuthClient } from 'tokenflight';

const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });

// Every (re)connection goes through auth.fetch: the current token, and a refresh when it was rejected.
const events = new EventSource('https://api.example.com/api/events', { fetch: auth.fetch });
events.addEventListener('message', (event) => console.log(event.data));
auth.on('session:end', () => events.close());
