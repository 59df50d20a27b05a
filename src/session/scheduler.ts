import { clampDelay, unrefTimer, type Clock, type TimerHandle } from '../lifecycle/clock';
import type { LifecycleSource } from '../lifecycle/signals';

interface Wakeable {
  nextWakeAt(): number | null;
  wake(force?: boolean): void;
}

/**
 * The background refresh timer and the signals that wake it: paused while hidden or offline; on
 * visible it re-checks expiry at once (timers may have slept through a suspend); on online it
 * retries a backed-off refresh at once instead of waiting out the backoff.
 */
export function createScheduler(deps: { coordinator: Wakeable; clock: Clock; lifecycle: LifecycleSource; enabled: boolean }) {
  const { coordinator, clock, lifecycle } = deps;
  let timer: TimerHandle | undefined;
  let disposed = false;

  const clear = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  function reschedule(): void {
    clear();
    if (disposed || !deps.enabled || !lifecycle.isVisible() || !lifecycle.isOnline()) return;
    const at = coordinator.nextWakeAt();
    if (at === null) return;
    // Never a 0 ms loop: a due refresh starts after at least 1 ms, and its outcome reschedules.
    // Unreferenced: the background timer alone never keeps a process alive (invariant 13).
    timer = unrefTimer(
      clock.setTimeout(() => {
        timer = undefined;
        coordinator.wake();
        if (timer === undefined) reschedule();
      }, clampDelay(Math.max(1, at - clock.now()))),
    );
  }

  const unsubscribe = lifecycle.subscribe((signal) => {
    if (disposed) return;
    if (signal === 'hidden' || signal === 'offline') return clear();
    // `autoRefresh: false`: no refresh in the background, on a resume or reconnect either.
    if (!deps.enabled) return;
    // The network came back while hidden: the retry waits for the resume instead of running in the background.
    if (!lifecycle.isVisible()) return;
    // Back online, or back in the foreground: a retry owed after a failure goes at once (once per
    // streak of failures, never before a server's Retry-After), and expiry is re-checked.
    coordinator.wake(true);
    reschedule();
  });

  return {
    reschedule,
    dispose() {
      disposed = true;
      clear();
      unsubscribe();
    },
  };
}
