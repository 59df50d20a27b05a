export function scopeList(scope: string): string[] {
  return scope.split(/\s+/).filter((entry) => entry.length > 0);
}

/** True when every scope in `requested` is granted. */
export function isSubsetScope(requested: string, granted: string): boolean {
  const available = new Set(scopeList(granted));
  return scopeList(requested).every((entry) => available.has(entry));
}

export function hasScope(granted: string, wanted: string): boolean {
  return scopeList(granted).includes(wanted);
}

/** Normalised form: single spaces, no duplicates. */
export function normaliseScope(scope: string): string {
  return [...new Set(scopeList(scope))].join(' ');
}
