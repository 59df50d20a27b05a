import { describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../src';
import { setup, signIn } from '../client/support';

const env = setup();

describe('a stored session received "in the future" (device clock moved back)', () => {
  it('is moved onto the local clock: proactive refresh still happens, once per lifetime', async () => {
    const server = env.server({ accessTokenTtl: 600 });
    const storage = memoryStorage();
    const first = env.client({ storage, autoRefresh: false });
    await signIn(first);
    first.dispose();
    // The device clock goes back one day; the stored receipt time is now a day ahead of it.
    const raw = JSON.parse(String(await storage.getItem('tokenflight.session'))) as { receivedAt: number; expiresAt: number };
    storage.setItem('tokenflight.session', JSON.stringify({ ...raw, receivedAt: raw.receivedAt + 86_400_000, expiresAt: raw.expiresAt + 86_400_000 }));
    const auth = env.client({ storage, autoRefresh: false });
    await auth.ready;
    expect((auth.session.expiresAt ?? 0) - Date.now()).toBe(600_000);
    server.resetCounters();
    vi.setSystemTime(Date.now() + 590_000);
    await auth.http.get('api/me').json();
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.unauthorized).toBe(0);
  });
});
