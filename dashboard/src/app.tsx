/** The page shell: session check, header (hub, navigation, live-feed state, logout) and the routed view. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { api, goToLogin } from './api.js';
import { liveEvents, useConnectionState } from './events.js';
import { takeReturnRoute, useRoute, type Route } from './router.js';
import type { Session } from './types.js';
import { AgentDetailView } from './views/agent-detail.js';
import { FleetView } from './views/fleet.js';
import { GroupDetailView } from './views/group-detail.js';
import { GroupsView } from './views/groups.js';
import { LiveView } from './views/live.js';
import { LoginView } from './views/login.js';
import { TopicsView } from './views/topics.js';

const SESSION_RETRY_MS = 3000;

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [sessionError, setSessionError] = useState<string | undefined>(undefined);

  const loadSession = useCallback(async () => {
    try {
      const next = await api.session();
      setSession(next);
      setSessionError(undefined);
      return next;
    } catch (error) {
      setSessionError(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }, []);

  // Until the hub answers, keep asking (the page may be opened before the hub is up).
  useEffect(() => {
    if (session !== undefined) return;
    void loadSession();
    const timer = setInterval(() => void loadSession(), SESSION_RETRY_MS);
    return () => clearInterval(timer);
  }, [session, loadSession]);

  const authenticated = session?.authenticated === true;
  useEffect(() => {
    if (session === undefined) return;
    if (authenticated) liveEvents.start();
    else {
      liveEvents.stop();
      if (route.name !== 'login') goToLogin();
    }
  }, [session, authenticated, route.name]);

  useEffect(() => {
    document.title = `${titleOf(route)} · Tributary${session?.hubId ? ` · ${session.hubId}` : ''}`;
  }, [route, session?.hubId]);

  const onLoggedIn = async () => {
    const next = await loadSession();
    if (next?.authenticated !== true) setSession({ ...(next ?? { tokenRequired: true, hubId: '', version: '' }), authenticated: true });
    location.hash = takeReturnRoute();
  };

  const logout = async () => {
    try {
      await api.logout();
    } catch (error) {
      // The session ends on this side anyway; the hub forgets idle sessions after 12 h.
      console.warn('logout failed', error);
    }
    liveEvents.stop();
    setSession((s) => (s === undefined ? s : { ...s, authenticated: false }));
    location.hash = '#/login';
  };

  if (route.name === 'login') return <LoginView session={session} onLoggedIn={() => void onLoggedIn()} />;
  if (session === undefined) {
    return (
      <main class="login">
        <div class="login-card">
          <h1>Tributary hub</h1>
          <p class={sessionError === undefined ? 'muted' : 'error'}>{sessionError === undefined ? 'Connecting to the hub…' : `Cannot reach the hub (${sessionError}); retrying…`}</p>
        </div>
      </main>
    );
  }
  if (!authenticated) return null;

  return (
    <div class="app">
      <Header route={route} session={session} onLogout={() => void logout()} />
      <ViewBoundary resetKey={routeKey(route)}>{renderView(route)}</ViewBoundary>
    </div>
  );
}

function renderView(route: Route) {
  switch (route.name) {
    case 'agent':
      return <AgentDetailView key={route.id} id={route.id} />;
    case 'topics':
      return <TopicsView />;
    case 'groups':
      return <GroupsView />;
    case 'group':
      return <GroupDetailView key={route.group} group={route.group} />;
    case 'live':
      return <LiveView params={route.params} />;
    case 'fleet':
    case 'login':
      return <FleetView params={route.name === 'fleet' ? route.params : new URLSearchParams()} />;
  }
}

const NAV: { name: Route['name']; label: string; hash: string; also?: Route['name'] }[] = [
  { name: 'fleet', label: 'Fleet', hash: '#/fleet', also: 'agent' },
  { name: 'topics', label: 'Topics', hash: '#/topics' },
  { name: 'groups', label: 'Consumer groups', hash: '#/groups', also: 'group' },
  { name: 'live', label: 'Live data', hash: '#/live' },
];

function Header({ route, session, onLogout }: { route: Route; session: Session; onLogout: () => void }) {
  const connection = useConnectionState();
  const shown = connection === 'live' ? 'live' : 'reconnecting';
  return (
    <header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true">
          ≋
        </span>
        Tributary
        <span class="hub-id" data-testid="hub-id" title={`hub version ${session.version}`}>
          {session.hubId}
        </span>
      </div>
      <nav>
        {NAV.map((item) => (
          <a key={item.name} href={item.hash} class={route.name === item.name || route.name === item.also ? 'active' : undefined} data-testid={`nav-${item.name}`}>
            {item.label}
          </a>
        ))}
      </nav>
      <div class="header-right">
        <span class={`connection connection-${shown}`} data-testid="connection-status" data-state={shown} title={shown === 'live' ? 'Receiving live updates' : 'Live updates interrupted: reconnecting to the hub'}>
          <span class="dot" aria-hidden="true" />
          {shown === 'live' ? 'live' : 'reconnecting…'}
        </span>
        <button type="button" class="link-button" data-testid="logout" onClick={onLogout}>
          Log out
        </button>
      </div>
    </header>
  );
}

/** Keeps a failing view from blanking the whole page; navigating elsewhere clears the error. */
function ViewBoundary({ resetKey, children }: { resetKey: string; children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary((e: unknown) => console.error('view failed', e));
  useEffect(() => {
    if (error !== undefined) reset();
    // Only a route change resets.
  }, [resetKey]);
  if (error !== undefined) {
    return (
      <main class="view">
        <p class="error">This view failed: {error instanceof Error ? error.message : String(error)}</p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </main>
    );
  }
  return <>{children}</>;
}

function routeKey(route: Route): string {
  if (route.name === 'agent') return `agent:${route.id}`;
  if (route.name === 'group') return `group:${route.group}`;
  return route.name;
}

function titleOf(route: Route): string {
  switch (route.name) {
    case 'login':
      return 'Log in';
    case 'fleet':
      return 'Fleet';
    case 'agent':
      return `Agent ${route.id}`;
    case 'topics':
      return 'Topics';
    case 'groups':
      return 'Consumer groups';
    case 'group':
      return `Group ${route.group}`;
    case 'live':
      return 'Live data';
  }
}
