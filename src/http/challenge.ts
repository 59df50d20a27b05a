/**
 * The default "should this 401 trigger a refresh?" rule (RFC 6750 §3): a 401 with no challenge, or
 * with a Bearer challenge that has no error or `error="invalid_token"`. Never a 403, never a 401
 * that only challenges another scheme (Basic, ...) or says `insufficient_scope` / `invalid_request`.
 */
export function isTokenRejected(response: Response): boolean {
  if (response.status !== 401) return false;
  const raw = response.headers.get('www-authenticate');
  if (raw === null || raw.trim() === '') return true;
  // Quoted strings may hold commas, scheme names or "error=": keep simple values, blank the rest.
  const header = raw.replace(/"((?:[^"\\]|\\.)*)"/g, (_quoted, inner: string) => (/^[\w.~+/-]*$/.test(inner) ? inner : '_'));
  const bearer = /(?:^|,)\s*bearer(?=\s|,|$)(.*)$/i.exec(header);
  if (bearer === null) return false;
  const params = bearer[1] ?? '';
  // Parameters of the Bearer challenge end where the next scheme begins ("..., Basic realm=").
  const own = params.split(/,\s*[A-Za-z][\w!#$%&'*+.^`|~-]*\s+[\w!#$%&'*+.^`|~-]+=/)[0] ?? '';
  const error = /(?:^|[\s,])error\s*=\s*"?([^",\s]*)/i.exec(own)?.[1];
  return error === undefined || error === 'invalid_token';
}
