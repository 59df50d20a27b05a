import { describe, expect, it, vi } from 'vitest';
import { broadcastChannel, localChannelHub, parseSyncMessage } from '../../src/sync';
import type { BroadcastChannelCtor, SyncMessage } from '../../src/sync';

const flush = () => new Promise<void>((r) => setTimeout(r, 0));
const msg: SyncMessage = { type: 'session', generation: 2, from: 'client-a' };

describe('parseSyncMessage', () => {
  it('accepts the exact shapes', () => {
    expect(parseSyncMessage(msg)).toEqual(msg);
    expect(parseSyncMessage({ type: 'logout', generation: 9, from: 'x' })).toEqual({ type: 'logout', generation: 9, from: 'x' });
    const spent = { type: 'spent', generation: 3, from: 'x', sid: 'key-0a1b2c3d', fp: '89abcdef' };
    expect(parseSyncMessage(spent)).toEqual(spent);
  });

  it('understands every message of 0.1.0 and of the previous release unchanged', () => {
    for (const data of [
      { type: 'session', generation: 1, from: 'a' },
      { type: 'logout', generation: 1, from: 'a' },
      { type: 'session', generation: 2, from: 'a', sid: 's-1' },
      { type: 'logout', generation: 2, from: 'a', sid: null, at: 5 },
      { type: 'backoff', generation: 2, from: 'a', sid: 's-1', until: 9 },
      { type: 'failed', generation: 2, from: 'a', sid: 's-1', at: 9 },
    ]) expect(parseSyncMessage(data)).toEqual(data);
  });

  it.each([
    null,
    undefined,
    'session',
    42,
    [],
    ['session', 1, 'a'],
    {},
    { type: 'login', generation: 1, from: 'a' },
    { type: 'session', generation: 0, from: 'a' },
    { type: 'session', generation: 1.5, from: 'a' },
    { type: 'session', generation: '1', from: 'a' },
    { type: 'session', generation: 2 ** 53, from: 'a' },
    { type: 'session', generation: 1, from: '' },
    { type: 'session', generation: 1, from: 'a'.repeat(65) },
    { type: 'session', generation: 1, from: 7 },
    { type: 'session', generation: 1 },
    { type: 'session', generation: 1, from: 'a', accessToken: 'eyJ.secret.sig' },
    { type: 'session', generation: 1, from: 'a', refreshToken: 'rt' },
    // `spent` names a session and a fingerprint (8 hex digits), nothing else, and never a token.
    { type: 'spent', generation: 1, from: 'a', fp: '89abcdef' },
    { type: 'spent', generation: 1, from: 'a', sid: null, fp: '89abcdef' },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1' },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1', fp: 'rt-secret-refresh-token' },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1', fp: '89ABCDEF' },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1', fp: 0x89abcdef },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1', fp: '89abcdef', at: 1 },
    { type: 'spent', generation: 1, from: 'a', sid: 's-1', fp: '89abcdef', refreshToken: 'rt' },
    { type: 'session', generation: 1, from: 'a', sid: 's-1', fp: '89abcdef' },
    { type: 'failed', generation: 1, from: 'a', sid: 's-1', at: 1, fp: '89abcdef' },
  ])('rejects %j', (data) => {
    expect(parseSyncMessage(data)).toBeNull();
  });

  it('returns a fresh object', () => {
    const input = { ...msg };
    expect(parseSyncMessage(input)).not.toBe(input);
  });
});

describe('localChannelHub', () => {
  it('delivers to every other channel, not the sender, in a microtask', async () => {
    const hub = localChannelHub();
    const [a, b, c] = [hub.channel(), hub.channel(), hub.channel()];
    const got = { a: vi.fn(), b: vi.fn(), c: vi.fn() };
    a.subscribe(got.a);
    b.subscribe(got.b);
    c.subscribe(got.c);
    a.post(msg);
    expect(got.b).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(got.a).not.toHaveBeenCalled();
    expect(got.b).toHaveBeenCalledWith(msg);
    expect(got.c).toHaveBeenCalledWith(msg);
  });

  it('unsubscribe and close stop delivery; posting after close is a no-op', async () => {
    const hub = localChannelHub();
    const [a, b, c] = [hub.channel(), hub.channel(), hub.channel()];
    const onB = vi.fn();
    const onC = vi.fn();
    const offB = b.subscribe(onB);
    c.subscribe(onC);
    offB();
    c.close();
    a.post(msg);
    await flush();
    expect(onB).not.toHaveBeenCalled();
    expect(onC).not.toHaveBeenCalled();
    const onA = vi.fn();
    a.subscribe(onA);
    c.post(msg);
    await flush();
    expect(onA).not.toHaveBeenCalled();
    expect(c.subscribe(onC)).toBeTypeOf('function');
  });

  it('a channel closed before the microtask receives nothing', async () => {
    const hub = localChannelHub();
    const [a, b] = [hub.channel(), hub.channel()];
    const onB = vi.fn();
    b.subscribe(onB);
    a.post(msg);
    b.close();
    await flush();
    expect(onB).not.toHaveBeenCalled();
  });

  it('hubs are independent', async () => {
    const a = localChannelHub().channel();
    const b = localChannelHub().channel();
    const onB = vi.fn();
    b.subscribe(onB);
    a.post(msg);
    await flush();
    expect(onB).not.toHaveBeenCalled();
  });
});

/** A fake BroadcastChannel: same-name instances deliver to each other (not self) asynchronously. */
const fakeBroadcast = () => {
  const instances: FakeChannel[] = [];
  class FakeChannel extends EventTarget {
    closed = false;
    posted: unknown[] = [];
    constructor(readonly name: string) {
      super();
      instances.push(this);
    }
    postMessage(data: unknown) {
      if (this.closed) throw new DOMException('closed', 'InvalidStateError');
      this.posted.push(data);
      for (const other of instances) {
        if (other !== this && other.name === this.name && !other.closed) {
          queueMicrotask(() => other.dispatchEvent(new MessageEvent('message', { data })));
        }
      }
    }
    close() {
      this.closed = true;
    }
  }
  return { Ctor: FakeChannel as BroadcastChannelCtor, instances };
};

describe('broadcastChannel', () => {
  it('creates the channel lazily and relays valid messages between contexts', async () => {
    const { Ctor, instances } = fakeBroadcast();
    const a = broadcastChannel('tf', Ctor);
    const b = broadcastChannel('tf', Ctor);
    expect(instances).toHaveLength(0);
    const onB = vi.fn();
    b.subscribe(onB);
    expect(instances).toHaveLength(1);
    a.post(msg);
    await flush();
    expect(onB).toHaveBeenCalledWith(msg);
  });

  it('posts only the message fields and drops junk it receives', async () => {
    const { Ctor, instances } = fakeBroadcast();
    const a = broadcastChannel('tf', Ctor);
    const onA = vi.fn();
    a.subscribe(onA);
    a.post({ ...msg, accessToken: 'secret' } as SyncMessage);
    expect(instances[0]?.posted).toEqual([msg]);
    const raw = new Ctor('tf');
    raw.postMessage({ ...msg, accessToken: 'secret' });
    raw.postMessage('junk');
    await flush();
    expect(onA).not.toHaveBeenCalled();
  });

  it('close() closes it; later posts and subscriptions are no-ops', async () => {
    const { Ctor, instances } = fakeBroadcast();
    const a = broadcastChannel('tf', Ctor);
    const b = broadcastChannel('tf', Ctor);
    const onB = vi.fn();
    b.subscribe(onB);
    a.post(msg);
    a.close();
    expect((instances[1] as unknown as { closed: boolean }).closed).toBe(true); // [0] is b's
    a.post(msg);
    a.subscribe(vi.fn());
    expect(instances).toHaveLength(2);
    b.close();
    await flush();
    expect(onB).not.toHaveBeenCalled();
  });

  it('swallows a throwing postMessage', () => {
    const Ctor = class {
      postMessage() {
        throw new DOMException('closed', 'InvalidStateError');
      }
      close() {}
      addEventListener() {}
    };
    expect(() => broadcastChannel('tf', Ctor).post(msg)).not.toThrow();
  });

  it('is a no-op channel when BroadcastChannel is unavailable', () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    try {
      const channel = broadcastChannel('tf');
      const off = channel.subscribe(vi.fn());
      channel.post(msg);
      off();
      channel.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('works with the runtime BroadcastChannel', async () => {
    const a = broadcastChannel('tokenflight-test');
    const b = broadcastChannel('tokenflight-test');
    const received = new Promise<SyncMessage>((resolve) => b.subscribe(resolve));
    a.post(msg);
    expect(await received).toEqual(msg);
    a.close();
    b.close();
  });
});
