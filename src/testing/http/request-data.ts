import { base64UrlDecode } from '../encoding';

export type JsonObject = Readonly<Record<string, unknown>>;

/** Parses a JSON object body; an empty body is `{}` when allowed. Null when malformed. */
export async function readJsonObject(request: Request, allowEmpty = false): Promise<JsonObject | null> {
  const text = await request.text();
  if (text.trim() === '') return allowEmpty ? {} : null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

export function isFormRequest(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  return type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export type ParsedForm = { readonly params: URLSearchParams; readonly duplicated: string | null };

/**
 * Parses an urlencoded body and reports the first parameter sent more than once. Parameters sent
 * without a value are treated as omitted (RFC 6749 §3.2).
 */
export async function readForm(request: Request): Promise<ParsedForm> {
  const params = new URLSearchParams([...new URLSearchParams(await request.text())].filter(([, value]) => value !== ''));
  const seen = new Set<string>();
  let duplicated: string | null = null;
  for (const key of params.keys()) {
    if (seen.has(key) && duplicated === null) duplicated = key;
    seen.add(key);
  }
  return { params, duplicated };
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The Bearer credential, '' when the scheme is Bearer but the value is empty, undefined when absent. */
export function readBearer(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (header === null) return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

/** RFC 6749 §2.3.1 client credentials from an HTTP Basic header. */
export function readBasicClient(request: Request): { readonly clientId: string } | null | undefined {
  const header = request.headers.get('authorization');
  if (header === null || !/^Basic\s/i.test(header)) return undefined;
  const encoded = header.replace(/^Basic\s+/i, '').trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const bytes = base64UrlDecode(encoded);
  if (bytes === null) return null;
  const decoded = new TextDecoder().decode(bytes);
  const colon = decoded.indexOf(':');
  try {
    return { clientId: decodeURIComponent((colon < 0 ? decoded : decoded.slice(0, colon)).replace(/\+/g, ' ')) };
  } catch {
    return null;
  }
}
