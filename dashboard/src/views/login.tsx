/** The login form: the hub's API token (api.token in the hub config) exchanged for a session cookie. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import type { Session } from '../types.js';

export interface LoginProps {
  session: Session | undefined;
  /** Called after the hub accepted the token. */
  onLoggedIn: () => void;
}

export function LoginView({ session, onLoggedIn }: LoginProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.login(token);
      setToken('');
      onLoggedIn();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setError('That token is not right. Use the api.token of the hub config.');
      else if (e instanceof ApiError && e.status === 429) setError('Too many attempts: wait a minute, then try again.');
      else setError(e instanceof Error ? e.message : String(e));
      input.current?.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={(e) => void submit(e)}>
        <h1>Tributary hub</h1>
        {session !== undefined && <p class="muted">hub {session.hubId}</p>}
        <label for="login-token">API token</label>
        <input
          id="login-token"
          ref={input}
          data-testid="login-token"
          type="password"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required={session?.tokenRequired !== false}
        />
        {session?.tokenRequired === false && <p class="muted small">This hub needs no token from this machine: just sign in.</p>}
        <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== undefined && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
