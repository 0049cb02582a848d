/** Badges and dots for states: colour plus a word or a tooltip, never colour alone. */
import type { AgentState, OfflineReason, SourceHealth } from '../types.js';

const AGENT_STATE_LABEL: Record<AgentState, string> = { online: 'online', offline: 'offline', never_seen: 'never seen', revoked: 'revoked' };

const OFFLINE_REASON_LABEL: Record<OfflineReason, string> = {
  shutdown: 'stopped cleanly',
  connection_lost: 'connection lost',
  heartbeat_timeout: 'no heartbeat',
  disconnected: 'disconnected',
};

/** An agent's state as a coloured word; the offline reason in its tooltip. */
export function StateBadge({ state, reason }: { state: AgentState; reason?: OfflineReason | undefined }) {
  const title = state === 'offline' && reason !== undefined ? `offline: ${offlineReasonLabel(reason)}` : AGENT_STATE_LABEL[state] ?? state;
  return (
    <span class={`badge badge-${state}`} title={title}>
      {AGENT_STATE_LABEL[state] ?? state}
    </span>
  );
}

/** Readable text of an offline reason. */
export function offlineReasonLabel(reason: OfflineReason | undefined): string {
  return reason === undefined ? '' : OFFLINE_REASON_LABEL[reason] ?? reason;
}

/** A generic status word (forward state, source state) with a tone: good, warn, bad or idle. */
export function ToneBadge({ text, tone }: { text: string; tone: Tone }) {
  return <span class={`badge tone-${tone}`}>{text}</span>;
}

export type Tone = 'good' | 'warn' | 'bad' | 'idle';

/** Tone of a source state. */
export function sourceTone(state: SourceHealth['state']): Tone {
  switch (state) {
    case 'ok':
      return 'good';
    case 'connecting':
    case 'reconnecting':
    case 'stalled':
      return 'warn';
    case 'error':
      return 'bad';
    default:
      return 'idle';
  }
}

/** Tone of the forwarder's state. */
export function forwardTone(state: string | null): Tone {
  if (state === 'connected') return 'good';
  if (state === 'connecting') return 'warn';
  if (state === 'disconnected') return 'bad';
  return 'idle';
}

/** One dot per source, its id, state and detail in the tooltip. */
export function SourceDots({ sources }: { sources: SourceHealth[] }) {
  if (sources.length === 0) return <span class="muted">–</span>;
  return (
    <span class="dots" aria-label={sources.map((s) => `${s.id} ${s.state}`).join(', ')}>
      {sources.map((source) => (
        <span
          key={source.id}
          class={`dot tone-${sourceTone(source.state)}`}
          data-source-state={source.state}
          title={`${source.id} (${source.type}): ${source.state}${source.detail ? ` — ${source.detail}` : ''}`}
        />
      ))}
    </span>
  );
}
