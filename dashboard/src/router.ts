/** Hash routes (`#/fleet`, `#/agents/<id>`, ...): the page works from any static path and survives reloads. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'login' }
  | { name: 'fleet'; params: URLSearchParams }
  | { name: 'agent'; id: string }
  | { name: 'topics' }
  | { name: 'groups' }
  | { name: 'group'; group: string }
  | { name: 'live'; params: URLSearchParams };

/** The route of a location hash; anything unknown is the fleet (the default page). */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const queryAt = text.indexOf('?');
  const path = queryAt === -1 ? text : text.slice(0, queryAt);
  const params = new URLSearchParams(queryAt === -1 ? '' : text.slice(queryAt + 1));
  const parts = path.split('/').filter((p) => p !== '').map(safeDecode);
  const [first, second] = parts;
  if (first === 'login') return { name: 'login' };
  if (first === 'agents' && second !== undefined) return { name: 'agent', id: second };
  if (first === 'topics') return { name: 'topics' };
  if (first === 'groups' && second !== undefined) return { name: 'group', group: second };
  if (first === 'groups') return { name: 'groups' };
  if (first === 'live') return { name: 'live', params };
  return { name: 'fleet', params };
}

/** The hash of a route path with optional query parameters (empty values left out). */
export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

/** `#/agents/<id>` with the id escaped. */
export function agentHref(id: string): string {
  return `#/agents/${encodeURIComponent(id)}`;
}

/** `#/groups/<name>` with the name escaped. */
export function groupHref(group: string): string {
  return `#/groups/${encodeURIComponent(group)}`;
}

/** Replaces the hash without adding a history entry (for filters and selections). */
export function replaceHash(hash: string): void {
  if (location.hash === hash) return;
  history.replaceState(null, '', hash);
  // replaceState does not fire hashchange; tell the router ourselves.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The current route, re-rendering on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const RETURN_KEY = 'tributary.returnRoute';

/** Remembers the page a 401 interrupted, so logging in goes back there. */
export function rememberReturnRoute(hash: string): void {
  try {
    if (hash !== '' && !hash.startsWith('#/login')) sessionStorage.setItem(RETURN_KEY, hash);
  } catch {
    // Storage disabled (private mode): the login then lands on the fleet.
  }
}

/** The page to open after a login (and forgets it). */
export function takeReturnRoute(): string {
  try {
    const hash = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    if (hash !== null && hash.startsWith('#/') && !hash.startsWith('#/login')) return hash;
  } catch {
    // See rememberReturnRoute.
  }
  return '#/fleet';
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
