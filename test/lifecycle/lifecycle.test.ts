import { describe, expect, it, vi } from 'vitest';
import { browserLifecycle, inertLifecycle, manualLifecycle, reactNativeLifecycle } from '../../src/lifecycle';
import type { AppStateLike, LifecycleSignal, NetInfoLike } from '../../src/lifecycle';

const fakeBrowser = () => {
  const win = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const navigator = { onLine: true };
  return { target: Object.assign(win, { document, navigator }), win, document, navigator };
};

describe('browserLifecycle', () => {
  it('maps visibility, focus, pageshow and connectivity events', () => {
    const { target, win, document, navigator } = fakeBrowser();
    const life = browserLifecycle(target);
    const got: LifecycleSignal[] = [];
    const off = life.subscribe((s) => got.push(s));

    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(life.isVisible()).toBe(false);
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    win.dispatchEvent(new Event('focus'));
    win.dispatchEvent(new Event('pageshow'));
    navigator.onLine = false;
    win.dispatchEvent(new Event('offline'));
    expect(life.isOnline()).toBe(false);
    navigator.onLine = true;
    win.dispatchEvent(new Event('online'));
    expect(got).toEqual(['hidden', 'visible', 'visible', 'visible', 'offline', 'online']);
    expect(life.isVisible()).toBe(true);
    expect(life.isOnline()).toBe(true);

    off();
    win.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('visibilitychange'));
    expect(got).toHaveLength(6);
  });

  it('treats an unknown onLine / visibilityState as online / visible', () => {
    const { target } = fakeBrowser();
    const life = browserLifecycle({ ...target, document: Object.assign(new EventTarget(), {}), navigator: {} });
    expect(life.isVisible()).toBe(true);
    expect(life.isOnline()).toBe(true);
  });

  it('is inert in plain Node (no document)', () => {
    const life = browserLifecycle();
    expect(life).toBe(inertLifecycle);
    expect(life.isVisible()).toBe(true);
    expect(life.isOnline()).toBe(true);
    const fn = vi.fn();
    life.subscribe(fn)();
    expect(browserLifecycle({}).isOnline()).toBe(true);
  });

  it('reads globalThis at call time, not at import', () => {
    const { target, document } = fakeBrowser();
    vi.stubGlobal('document', document);
    vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
    vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
    try {
      const life = browserLifecycle();
      expect(life).not.toBe(inertLifecycle);
      const fn = vi.fn();
      const off = life.subscribe(fn);
      target.dispatchEvent(new Event('focus'));
      expect(fn).toHaveBeenCalledWith('visible');
      off();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

const fakeAppState = (initial: string) => {
  const listeners = new Set<(s: string) => void>();
  const appState = {
    currentState: initial as string | null,
    addEventListener: (_type: 'change', fn: (s: string) => void) => {
      listeners.add(fn);
      return { remove: () => void listeners.delete(fn) };
    },
    set(s: string) {
      this.currentState = s;
      for (const fn of listeners) fn(s);
    },
    listeners,
  };
  return appState satisfies AppStateLike;
};

const fakeNetInfo = (initial: boolean | null) => {
  const listeners = new Set<(s: { isConnected: boolean | null }) => void>();
  let connected = initial;
  const netInfo = {
    addEventListener: (fn: (s: { isConnected: boolean | null }) => void) => {
      listeners.add(fn);
      fn({ isConnected: connected }); // NetInfo reports the current state on subscribe
      return () => void listeners.delete(fn);
    },
    set(c: boolean | null) {
      connected = c;
      for (const fn of listeners) fn({ isConnected: c });
    },
    listeners,
  };
  return netInfo satisfies NetInfoLike;
};

describe('reactNativeLifecycle', () => {
  it('maps AppState changes', () => {
    const AppState = fakeAppState('active');
    const life = reactNativeLifecycle({ AppState });
    const got: LifecycleSignal[] = [];
    const off = life.subscribe((s) => got.push(s));
    expect(life.isVisible()).toBe(true);
    AppState.set('inactive');
    expect(life.isVisible()).toBe(false);
    AppState.set('background');
    AppState.set('active');
    AppState.set('unknown');
    expect(got).toEqual(['hidden', 'hidden', 'visible']);
    expect(life.isOnline()).toBe(true);
    off();
    expect(AppState.listeners.size).toBe(0);
  });

  it('maps NetInfo connectivity; null counts as online', () => {
    const AppState = fakeAppState('background');
    const NetInfo = fakeNetInfo(null);
    const life = reactNativeLifecycle({ AppState, NetInfo });
    expect(life.isVisible()).toBe(false);
    const got: LifecycleSignal[] = [];
    const off = life.subscribe((s) => got.push(s));
    expect(life.isOnline()).toBe(true);
    NetInfo.set(false);
    expect(life.isOnline()).toBe(false);
    NetInfo.set(false);
    NetInfo.set(null);
    NetInfo.set(true);
    NetInfo.set(false);
    expect(got).toEqual(['offline', 'online', 'offline']);
    off();
    expect(NetInfo.listeners.size).toBe(0);
    expect(AppState.listeners.size).toBe(0);
  });

  it('reports an initially offline device on subscribe', () => {
    const life = reactNativeLifecycle({ AppState: fakeAppState('active'), NetInfo: fakeNetInfo(false) });
    const fn = vi.fn();
    life.subscribe(fn);
    expect(fn).toHaveBeenCalledWith('offline');
    expect(life.isOnline()).toBe(false);
  });
});

describe('manualLifecycle', () => {
  it('emits to subscribers and tracks state', () => {
    const life = manualLifecycle({ online: false });
    expect(life.isVisible()).toBe(true);
    expect(life.isOnline()).toBe(false);
    const a = vi.fn();
    const b = vi.fn();
    const offA = life.subscribe(a);
    life.subscribe(b);
    life.emit('online');
    life.emit('hidden');
    expect(life.isOnline()).toBe(true);
    expect(life.isVisible()).toBe(false);
    offA();
    life.emit('visible');
    life.emit('offline');
    expect(a.mock.calls.flat()).toEqual(['online', 'hidden']);
    expect(b.mock.calls.flat()).toEqual(['online', 'hidden', 'visible', 'offline']);
    expect(life.isVisible()).toBe(true);
    expect(life.isOnline()).toBe(false);
  });
});

describe('inertLifecycle', () => {
  it('never signals', () => {
    expect(inertLifecycle.isVisible()).toBe(true);
    expect(inertLifecycle.isOnline()).toBe(true);
    expect(inertLifecycle.subscribe(() => {})).toBeTypeOf('function');
  });
});
