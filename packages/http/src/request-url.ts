// An absolute-form request target (`GET http://user:pass@host/path HTTP/1.1`, RFC 9112 §3.2.2)
// carries the authority, userinfo included: only what follows it is the path.
const ABSOLUTE_FORM_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^/?#]*/;

/** Splits a request target (`/path?query`) without the cost of a full URL parse. */
export function splitRequestTarget(target: string): { path: string; query: string } {
  const origin = target.startsWith('/') ? target : target.replace(ABSOLUTE_FORM_AUTHORITY, '');
  const relative = origin === '' || origin.startsWith('?') ? `/${origin}` : origin;
  const mark = relative.indexOf('?');
  return mark === -1
    ? { path: relative, query: '' }
    : { path: relative.slice(0, mark), query: relative.slice(mark + 1) };
}
