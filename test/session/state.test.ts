import { describe, expect, it } from 'vitest';
import { RefreshError } from '../../src/errors';
import { blockedUntil, retryAtOf } from '../../src/session/retry-policy';
import { CALM, LOADING_STATE, reduce, tokensOf, type Action, type Active, type SessionState } from '../../src/session/state';
import type { TokenSet } from '../../src/session/token-set';

const tokens = (generation: number, sessionId = 'sid-a'): TokenSet => ({
  accessToken: `at-${generation}`,
  refreshToken: `rt-${generation}`,
  expiresAt: 100_000,
  receivedAt: 0,
  scope: null,
  claims: null,
  generation,
  sessionId,
});

const loading: SessionState = LOADING_STATE;
const signedOut: SessionState = { kind: 'signed-out', epoch: 3, seen: 5, ended: null };
const active: Active = {
  kind: 'active',
  epoch: 4,
  seen: 6,
  tokens: tokens(6),
  since: { generation: 6, at: 1_000, source: 'login' },
  persisted: true,
  ownsEmptyStore: false,
  refreshing: false,
  retry: CALM,
};
const disposed: SessionState = { kind: 'disposed', epoch: 4, seen: 6 };
const error = new RefreshError('down', { retryAt: 3_000 });
const failing: Active = {
  ...active,
  retry: { ...CALM, failures: 1, failedAt: 2_000, retryAt: 3_000, retryDelay: 1_000, error },
};

const actions: Record<Action['type'], Action> = {
  hydrated: { type: 'hydrated' },
  superseded: { type: 'superseded', cause: new Error('replaced') },
  started: { type: 'started', tokens: tokens(7, 'sid-b'), source: 'login', at: 5_000, write: 'saved' },
  'refresh-started': { type: 'refresh-started' },
  refreshed: { type: 'refreshed', tokens: tokens(7), write: 'saved' },
  kept: { type: 'kept', tokens: { ...tokens(6), refreshToken: 'rt-kept' }, write: 'saved' },
  'refresh-failed': { type: 'refresh-failed', at: 2_000, delay: 1_000, retryAfterMs: undefined, error },
  'refresh-settled': { type: 'refresh-settled' },
  'retry-after': { type: 'retry-after', until: 9_000 },
  'remote-failed': { type: 'remote-failed', at: 2_500 },
  'backoff-skipped': { type: 'backoff-skipped', now: 2_200 },
  'clock-checked': { type: 'clock-checked', now: 2_200 },
  'foreign-change': { type: 'foreign-change' },
  'generation-seen': { type: 'generation-seen', generation: 10 },
  ended: { type: 'ended', cause: new Error('logout') },
  disposed: { type: 'disposed' },
};
const every = Object.values(actions);

describe('session state reducer', () => {
  it('is pure: the state it is given is never changed', () => {
    const frozen = (s: SessionState) => structuredClone({ ...s, retry: undefined, tokens: undefined });
    for (const state of [loading, signedOut, active, failing, disposed]) {
      const before = frozen(state);
      for (const action of every) reduce(state, action);
      expect(frozen(state)).toEqual(before);
    }
  });

  it('disposed is final: every action leaves it as it is', () => {
    for (const action of every) expect(reduce(disposed, action)).toBe(disposed);
  });

  it('every state but disposed goes to disposed, keeping its epoch', () => {
    for (const state of [loading, signedOut, active]) expect(reduce(state, actions.disposed)).toEqual({ kind: 'disposed', epoch: state.epoch, seen: state.seen });
  });

  describe('loading', () => {
    it('hydrated: signed out, nothing ended, same epoch', () => {
      expect(reduce(loading, actions.hydrated)).toEqual({ kind: 'signed-out', epoch: 0, seen: 0, ended: null });
    });
    it('started (from the store, a refresh key, a cookie): active, same epoch', () => {
      const next = reduce(loading, { type: 'started', tokens: tokens(2), source: 'storage', at: 10, write: 'saved' });
      expect(next).toMatchObject({ kind: 'active', epoch: 0, seen: 2, persisted: true, ownsEmptyStore: false, refreshing: false, retry: CALM });
      expect(next.kind === 'active' && next.since).toEqual({ generation: 2, at: 10, source: 'storage' });
    });
    it('superseded: a new epoch, still loading', () => {
      expect(reduce(loading, actions.superseded)).toEqual({ kind: 'loading', epoch: 1, seen: 0 });
    });
    it('ignores what needs a session: refresh results, failures, an end', () => {
      for (const type of ['refresh-started', 'refreshed', 'kept', 'refresh-failed', 'refresh-settled', 'retry-after', 'remote-failed', 'backoff-skipped', 'clock-checked', 'foreign-change', 'ended'] as const) {
        expect(reduce(loading, actions[type])).toBe(loading);
      }
    });
  });

  describe('signed out', () => {
    it('started: active with the write result (a failed write owns the empty store)', () => {
      const next = reduce(signedOut, { type: 'started', tokens: tokens(6), source: 'login', at: 7, write: 'failed' });
      expect(next).toMatchObject({ kind: 'active', epoch: 3, seen: 6, persisted: false, ownsEmptyStore: true, since: { generation: 6, at: 7, source: 'login' } });
      expect(tokensOf(next)).toEqual(tokens(6));
    });
    it('started keeps the highest generation seen', () => {
      expect(reduce({ ...signedOut, seen: 9 }, actions.started)).toMatchObject({ seen: 9 });
    });
    it('superseded: a new epoch, the last ended session still named', () => {
      const ended = tokens(5);
      expect(reduce({ ...signedOut, ended }, actions.superseded)).toEqual({ kind: 'signed-out', epoch: 4, seen: 5, ended });
    });
    it('hydrated again changes nothing', () => {
      expect(reduce(signedOut, actions.hydrated)).toBe(signedOut);
    });
    it('ignores a refresh result, a failure or an end that arrive after the session ended', () => {
      for (const type of ['refresh-started', 'refreshed', 'kept', 'refresh-failed', 'refresh-settled', 'retry-after', 'remote-failed', 'backoff-skipped', 'clock-checked', 'foreign-change', 'ended'] as const) {
        expect(reduce(signedOut, actions[type])).toBe(signedOut);
      }
    });
  });

  describe('active', () => {
    it('ended: signed out in a new epoch, naming the session that ended', () => {
      expect(reduce(active, actions.ended)).toEqual({ kind: 'signed-out', epoch: 5, seen: 6, ended: active.tokens });
    });
    it('ignores starts and hydration (a start ends the session first) and a bare new epoch', () => {
      for (const type of ['started', 'hydrated', 'superseded'] as const) expect(reduce(active, actions[type])).toBe(active);
    });
    it('refresh-started / refresh-settled: the refreshing facet only', () => {
      const refreshing = reduce(active, actions['refresh-started']);
      expect(refreshing).toEqual({ ...active, refreshing: true });
      expect(reduce(refreshing, actions['refresh-settled'])).toEqual(active);
    });
    it('refreshed: new tokens, same epoch and start, the backoff forgotten, no longer refreshing', () => {
      const next = reduce({ ...failing, refreshing: true, retry: { ...failing.retry, serverRetryAt: 9_000 } }, actions.refreshed);
      expect(next).toEqual({ ...active, seen: 7, tokens: tokens(7), retry: CALM, refreshing: false });
    });
    it('refreshed with a failed write: goes on in memory, owning the empty store', () => {
      expect(reduce(active, { type: 'refreshed', tokens: tokens(7), write: 'failed' })).toMatchObject({ persisted: false, ownsEmptyStore: true });
      expect(reduce({ ...active, persisted: false }, { type: 'refreshed', tokens: tokens(7), write: 'skipped' })).toMatchObject({ persisted: false, ownsEmptyStore: false });
    });
    it('kept: the rotated refresh token only; the failure streak and the refresh in flight stay', () => {
      const s = { ...failing, refreshing: true };
      const next = reduce(s, actions.kept);
      expect(next).toEqual({ ...s, tokens: (actions.kept as { tokens: TokenSet }).tokens });
    });
    it('refresh-failed: a streak that grows, a retry time, a server Retry-After kept', () => {
      const once = reduce({ ...active, refreshing: true }, actions['refresh-failed']) as Active;
      expect(once.refreshing).toBe(false);
      expect(once.retry).toEqual({ ...CALM, failures: 1, failedAt: 2_000, retryAt: 3_000, retryDelay: 1_000, error });
      const twice = reduce(once, { type: 'refresh-failed', at: 4_000, delay: 2_000, retryAfterMs: 7_000, error }) as Active;
      expect(twice.retry).toMatchObject({ failures: 2, failedAt: 4_000, retryAt: 6_000, serverRetryAt: 11_000 });
      expect(twice.tokens).toBe(active.tokens);
    });
    it('retry-after: only ever later', () => {
      const later = reduce(active, actions['retry-after']) as Active;
      expect(later.retry.serverRetryAt).toBe(9_000);
      expect((reduce(later, { type: 'retry-after', until: 8_000 }) as Active).retry.serverRetryAt).toBe(9_000);
    });
    it('remote-failed: only ever later', () => {
      const seen = reduce(active, actions['remote-failed']) as Active;
      expect(seen.retry.remoteFailedAt).toBe(2_500);
      expect((reduce(seen, { type: 'remote-failed', at: 1_000 }) as Active).retry.remoteFailedAt).toBe(2_500);
    });
    it('backoff-skipped: once per streak, only with a failure pending', () => {
      expect(reduce(active, actions['backoff-skipped'])).toBe(active);
      const skipped = reduce({ ...failing, retry: { ...failing.retry, remoteFailedAt: 2_100 } }, actions['backoff-skipped']) as Active;
      expect(skipped.retry).toMatchObject({ skipped: true, retryAt: 2_200, remoteFailedAt: Number.NEGATIVE_INFINITY });
      expect(reduce(skipped, { type: 'backoff-skipped', now: 2_100 })).toBe(skipped);
    });
    it('clock-checked: a clock that went back shortens the wait to at most its length', () => {
      expect((reduce(failing, { type: 'clock-checked', now: 2_500 }) as Active).retry).toEqual(failing.retry);
      const back = (reduce(failing, { type: 'clock-checked', now: 500 }) as Active).retry;
      expect(back).toMatchObject({ retryAt: 1_500, failedAt: 500 });
    });
    it('foreign-change: the empty store is no longer this client\u2019s', () => {
      expect(reduce({ ...active, persisted: false, ownsEmptyStore: true }, actions['foreign-change'])).toMatchObject({ ownsEmptyStore: false });
    });
  });

  it('generation-seen: only ever higher, in every state but disposed', () => {
    for (const state of [loading, signedOut, active]) {
      expect(reduce(state, actions['generation-seen']).seen).toBe(10);
      expect(reduce(state, { type: 'generation-seen', generation: 0 })).toBe(state);
    }
  });

  it('a refresh result after an end does not revive the session', () => {
    let s: SessionState = reduce(active, actions['refresh-started']);
    s = reduce(s, actions.ended);
    for (const type of ['refreshed', 'kept', 'refresh-failed', 'refresh-settled'] as const) s = reduce(s, actions[type]);
    expect(s).toEqual({ kind: 'signed-out', epoch: 5, seen: 6, ended: active.tokens });
    expect(tokensOf(s)).toBeNull();
  });
});

describe('retry policy', () => {
  it('nothing blocks without a failure', () => {
    expect(blockedUntil(CALM, 0, 'request', 1_000)).toBeNull();
    expect(retryAtOf(CALM)).toBeNull();
  });
  it('a request may probe `base` after a failure; the timer waits out the backoff', () => {
    const r = { ...CALM, failedAt: 2_000, retryAt: 10_000, retryDelay: 8_000, error };
    expect(blockedUntil(r, 2_500, 'request', 1_000)).toEqual({ until: 3_000, cause: 'backoff' });
    expect(blockedUntil(r, 2_500, 'backoff', 1_000)).toEqual({ until: 10_000, cause: 'backoff' });
    expect(blockedUntil(r, 3_000, 'request', 1_000)).toBeNull();
  });
  it("a server's Retry-After holds every path, and the timer's retry time", () => {
    const r = { ...CALM, failedAt: 2_000, retryAt: 3_000, retryDelay: 1_000, serverRetryAt: 20_000, error };
    expect(blockedUntil(r, 5_000, 'request', 1_000)).toEqual({ until: 20_000, cause: 'retry-after' });
    expect(retryAtOf(r)).toBe(20_000);
  });
  it("another tab's failure: no probe sooner than `base` after it", () => {
    expect(blockedUntil({ ...CALM, remoteFailedAt: 2_000 }, 2_500, 'request', 1_000)).toEqual({ until: 3_000, cause: 'backoff' });
  });
});
