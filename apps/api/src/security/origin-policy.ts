/**
 * Same-origin check for requests a browser may send on a user's behalf with the session cookie
 * (state-changing API calls, the desk socket handshake): a page on another site can make the browser
 * send the cookie, but it cannot choose the Origin and Sec-Fetch-Site headers the browser adds.
 *
 * Allowed: `Sec-Fetch-Site: same-origin`; an Origin whose host is the request's own Host; an Origin
 * in `allowed` (the console's configured origins). Refused: any other Origin (including "null"), and a
 * browser's cross-site or same-site (another subdomain) marker without an allowed Origin. A request
 * with neither header did not come from a browser page (scripts, curl): nothing to forge, allowed.
 */
export function originAllowed(headers: Record<string, string | string[] | undefined>, allowed: readonly string[]): boolean {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const site = one('sec-fetch-site');
  if (site === 'same-origin') return true;
  const origin = one('origin');
  if (origin === undefined) return site === undefined || site === 'none';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and anything malformed
  }
  const host = one('host');
  if (host !== undefined && parsed.host === host.toLowerCase()) return true;
  return allowed.includes(parsed.origin);
}
