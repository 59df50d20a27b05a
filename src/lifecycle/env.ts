/** Minimal structural EventTarget: a DOM/Node EventTarget, window or document all fit. */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (event: unknown) => void): void;
}

/** Adds listeners and returns one function removing them all. */
export function listen(pairs: ReadonlyArray<readonly [EventTargetLike, string, (event: unknown) => void]>): () => void {
  for (const [t, type, fn] of pairs) t.addEventListener(type, fn);
  return () => {
    for (const [t, type, fn] of pairs) t.removeEventListener(type, fn);
  };
}
