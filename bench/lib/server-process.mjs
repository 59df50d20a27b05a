// Child process: the reference auth server on 127.0.0.1, alone on its own event loop.
// Usage: node server-process.mjs <accessTokenTtlSeconds> [<more createAuthServer options, JSON>]. Prints one JSON line { url } when listening,
// exits when its parent closes stdin (or dies).
import { createAuthServer } from 'tokenflight/testing';

const ttl = Number(process.argv[2] ?? 300);
const extra = process.argv[3] === undefined ? {} : JSON.parse(process.argv[3]);
const server = createAuthServer({ ...extra, accessTokenTtl: ttl });
const listening = await server.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: listening.url, ttl })}\n`);

const stop = () => void listening.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
