// `npm run auth-server`: the reference auth server (tokenflight/testing) on 127.0.0.1:4000 for development.
// Users: ada / lovelace. 60 s access tokens, so the background refresh shows within a minute.
import { createAuthServer } from 'tokenflight/testing';

const port = Number(process.env.PORT ?? 4000);
const server = createAuthServer({ accessTokenTtl: 60 });
const { url, close } = await server.listen({ port });
console.log(`reference auth server on ${url} (user ada / lovelace); Ctrl+C stops it`);
const stop = () => void close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
