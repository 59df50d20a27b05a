import type { AuthServerCounters } from 'tokenflight/testing';
import type { SessionSnapshot } from 'tokenflight';

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

const clock = (ms: number) => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

export const COUNTERS: ReadonlyArray<[keyof AuthServerCounters, string]> = [
  ['loginCalls', 'logins'],
  ['refreshCalls', 'refreshes'],
  ['unauthorized', '401s served'],
  ['reuseDetections', 'reuse detections'],
  ['resourceRequests', 'API requests'],
  ['revocations', 'revocations'],
  ['codesExchanged', 'codes exchanged'],
];

/** The page: session state, server counters and the timeline (newest first). Text only, no HTML injection. */
export function createView() {
  const timeline = byId<HTMLOListElement>('timeline');
  const started = performance.now();

  return {
    button: (id: string) => byId<HTMLButtonElement>(id),

    role(text: string) {
      byId('role').textContent = text;
    },

    /** Shows whether DPoP is on; toggling reloads the page with or without `?dpop=1` (the client is created once per page). */
    dpop(on: boolean) {
      const toggle = byId<HTMLInputElement>('dpop-toggle');
      toggle.checked = on;
      toggle.onchange = () => {
        const url = new URL(window.location.href);
        if (toggle.checked) url.searchParams.set('dpop', '1');
        else url.searchParams.delete('dpop');
        window.location.assign(url);
      };
    },

    session(session: SessionSnapshot, now: number) {
      byId('status').textContent = session.status;
      byId('status').dataset['status'] = session.status;
      byId('generation').textContent = String(session.generation);
      const name = session.user?.['name'] ?? session.claims?.['sub'];
      byId('user').textContent = typeof name === 'string' ? name : '—';
      byId('refreshing').textContent = session.refreshing ? 'refreshing…' : 'idle';
      byId('expires').textContent = session.expiresAt === null ? '—' : `in ${clock(session.expiresAt - now)}`;
    },

    counters(counters: AuthServerCounters) {
      for (const [key] of COUNTERS) {
        const cell = document.querySelector<HTMLElement>(`[data-counter="${key}"]`);
        if (cell) cell.textContent = String(counters[key]);
      }
    },

    /** Adds a line to the timeline. `kind` is an event name or an action. */
    log(kind: string, detail: string) {
      const item = document.createElement('li');
      item.dataset['event'] = kind;
      const time = document.createElement('time');
      time.textContent = `+${((performance.now() - started) / 1000).toFixed(1)}s`;
      const name = document.createElement('strong');
      name.textContent = kind;
      const text = document.createElement('span');
      text.textContent = detail;
      item.append(time, name, text);
      timeline.prepend(item);
    },
  };
}

export type View = ReturnType<typeof createView>;
