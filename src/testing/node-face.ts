import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ListenOptions, ListeningServer } from './types';

type Handle = (request: Request) => Promise<Response>;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
  const size = chunks.reduce((total, chunk) => total + chunk.length, 0);
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, req.rawHeaders[i + 1] ?? '');
  }
  const body = await readBody(req);
  return new Request(new URL(req.url ?? '/', base), { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  res.end(new Uint8Array(await response.arrayBuffer()));
}

async function serve(handle: Handle, base: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const response = await handle(await toRequest(req, base));
    if (response.type === 'error') {
      req.socket.destroy();
      return;
    }
    await writeResponse(res, response);
  } catch {
    req.socket.destroy();
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** A real HTTP server on 127.0.0.1 serving the shared dispatch function. */
export async function listenOnLoopback(handle: Handle, options: ListenOptions = {}): Promise<ListeningServer> {
  const { createServer } = await import('node:http');
  const host = options.host ?? '127.0.0.1';
  let base = '';
  const server = createServer((req, res) => void serve(handle, base, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  base = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return { url: base, port, close: () => (closing ??= close(server)) };
}
