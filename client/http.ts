/** An error answered by the hub's API: `status` and the stable `code` of its `{ error: { code, message } }` body. */
export class HubApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HubApiError';
  }
}

/** A thin JSON client for the hub's HTTP API. */
export class HubHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** Sends a request and parses the JSON answer; throws HubApiError on a non-2xx status. */
  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal !== undefined) init.signal = signal;
    const response = await fetch(new URL(path, this.baseUrl), init);
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new HubApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${method} ${path}: HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
