import mitt from 'mitt';
import type { RedactedCause } from './endpoint/redact';
import type { EndReason } from './errors';
import type { SessionSnapshot } from './session/snapshot';

/** Where a session change came from: this client, or another tab/instance sharing the storage. */
export type EventOrigin = 'local' | 'remote';

/** What began a session (`session:start`). */
export type StartSource = 'login' | 'storage' | 'refresh-key' | 'cookie' | 'remote';

/** The typed event map. Payloads never carry a token. */
export type AuthEvents = {
  /** A session began: login (also a code flow or `setSession`), restored from storage, started from a refresh key, resumed from the HttpOnly refresh cookie, or adopted from another tab. */
  'session:start': { generation: number; expiresAt: number | null; source: StartSource };
  /** New tokens were committed. */
  'session:refresh': { generation: number; expiresAt: number | null; origin: EventOrigin };
  /** A refresh attempt failed. `retryable` failures keep the session; `nextAttemptAt` is the planned retry. */
  'session:refresh-failed': { retryable: boolean; attempt: number; nextAttemptAt?: number; code: string; status?: number };
  /** The session ended; exactly once per session. */
  'session:end': { reason: EndReason; origin: EventOrigin };
  /** Any of the above, with the new snapshot (for UIs). */
  'session:change': { session: SessionSnapshot; cause: 'session:loaded' | 'session:start' | 'session:refresh' | 'session:refresh-failed' | 'session:end' | 'session:refreshing' };
  /** A background task failed without ending the session (storage write, revocation, ...). `cause`: what failed underneath, redacted. */
  'session:error': { operation: 'storage-read' | 'storage-write' | 'revoke'; code: string; message: string; cause?: RedactedCause };
};

export type AuthEventName = keyof AuthEvents;
export type Unsubscribe = () => void;

export interface Emitter {
  on<K extends AuthEventName>(type: K, listener: (payload: AuthEvents[K]) => void): Unsubscribe;
  emit<K extends AuthEventName>(type: K, payload: AuthEvents[K]): void;
  clear(): void;
}

/** mitt with listener isolation: a throwing listener never breaks the client or the other listeners. */
export function createEmitter(onListenerError: (error: unknown) => void): Emitter {
  const bus = mitt<AuthEvents>();
  return {
    on(type, listener) {
      const safe = (payload: AuthEvents[typeof type]) => {
        try {
          listener(payload);
        } catch (error) {
          onListenerError(error);
        }
      };
      bus.on(type, safe);
      return () => bus.off(type, safe);
    },
    emit: (type, payload) => bus.emit(type, payload),
    clear: () => bus.all.clear(),
  };
}
