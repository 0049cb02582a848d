/** Typed calls to the hub API. URLs are relative to the page, so the hub also works behind a path prefix. */
import { rememberReturnRoute } from './router.js';
import type {
  AgentDetail,
  AgentSummary,
  AggregateSeriesList,
  GroupDescription,
  GroupListEntry,
  LatestValue,
  Session,
  TopicDetail,
  TopicListEntry,
  WindowResult,
} from './types.js';

/**
 * A failed API call, with the hub's `{ error: { code, message } }` when it sent one; otherwise the page's own
 * code: `HTTP_<status>` for an answer without that body, `NETWORK` (status 0) when the hub cannot be reached.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Hub clock minus browser clock (ms), estimated from the `Date` header; 0 until known or when within 2 s. */
let clockOffsetMs = 0;

/** Now on the hub's clock (ages of hub timestamps stay right when the browser's clock is off). */
export function hubNow(): number {
  return Date.now() + clockOffsetMs;
}

function learnClockOffset(response: Response): void {
  const header = response.headers.get('date');
  if (header === null) return;
  const serverMs = Date.parse(header);
  if (Number.isNaN(serverMs)) return;
  // The header has whole seconds: half a second is the expected truncation; ignore the jitter that leaves.
  const offset = serverMs + 500 - Date.now();
  clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  /** When false, a 401 is thrown to the caller without leaving the page (the login form itself). */
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', `cannot reach the hub (${error instanceof Error ? error.message : String(error)})`);
  }
  learnClockOffset(response);
  if (response.status === 401 && options.redirectOn401 !== false) goToLogin();
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new ApiError(response.status, code, message);
}

/** Sends the page to the login form, remembering where it was so a login brings it back. */
export function goToLogin(): void {
  if (location.hash.startsWith('#/login')) return;
  rememberReturnRoute(location.hash);
  location.hash = '#/login';
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const segment = encodeURIComponent;

/** The hub API, one function per route the page uses. */
export const api = {
  session: () => request<Session>('v1/session', { redirectOn401: false }),
  login: (token: string) => request<void>('v1/login', { method: 'POST', body: { token }, redirectOn401: false }),
  logout: () => request<void>('v1/logout', { method: 'POST', redirectOn401: false }),
  agents: (signal?: AbortSignal) => request<{ agents: AgentSummary[] }>('v1/agents', signal ? { signal } : {}),
  agent: (id: string, signal?: AbortSignal) => request<AgentDetail>(`v1/agents/${segment(id)}`, signal ? { signal } : {}),
  topics: (signal?: AbortSignal) => request<{ topics: TopicListEntry[] }>('v1/topics', signal ? { signal } : {}),
  topic: (name: string, signal?: AbortSignal) => request<TopicDetail>(`v1/topics/${segment(name)}`, signal ? { signal } : {}),
  groups: (signal?: AbortSignal) => request<{ groups: GroupListEntry[] }>('v1/groups', signal ? { signal } : {}),
  group: (name: string, signal?: AbortSignal) => request<GroupDescription>(`v1/groups/${segment(name)}`, signal ? { signal } : {}),
  series: (signal?: AbortSignal) => request<AggregateSeriesList>('v1/aggregates/series', signal ? { signal } : {}),
  aggregates: (params: { key: string; metric: string; window: string; from?: number; to?: number; limit?: number }, signal?: AbortSignal) =>
    request<{ windows: WindowResult[] }>(`v1/aggregates${query(params)}`, signal ? { signal } : {}),
  latest: (key?: string, signal?: AbortSignal) => request<{ latest: LatestValue[] }>(`v1/latest${query({ key })}`, signal ? { signal } : {}),
};
