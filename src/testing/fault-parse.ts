import { FAULT_ENDPOINTS } from './faults';
import type { Fault, FaultEndpoint, MalformedKind } from './types';

const MALFORMED_KINDS: readonly MalformedKind[] = ['html', 'garbled-json', 'missing-fields', 'empty'];

type Loose = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> | null {
  if (!isRecord(value)) return null;
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') return null;
    out[key] = entry;
  }
  return out;
}

function statusFault(value: Loose): Fault | null {
  const { status, body, headers } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return null;
  if (body !== undefined && typeof body !== 'string') return null;
  const parsedHeaders = headers === undefined ? undefined : stringRecord(headers);
  if (parsedHeaders === null) return null;
  return {
    type: 'status',
    status,
    ...(body === undefined ? {} : { body }),
    ...(parsedHeaders === undefined ? {} : { headers: parsedHeaders }),
  };
}

/** Validates a fault that arrived as JSON (control endpoint). */
export function parseFault(value: unknown): Fault | null {
  if (!isRecord(value)) return null;
  switch (value['type']) {
    case 'status':
      return statusFault(value);
    case 'oauth-error': {
      const { error, status } = value;
      if (typeof error !== 'string') return null;
      if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) return null;
      return status === undefined ? { type: 'oauth-error', error } : { type: 'oauth-error', error, status };
    }
    case 'delay':
      return typeof value['ms'] === 'number' && value['ms'] >= 0 ? { type: 'delay', ms: value['ms'] } : null;
    case 'network-error':
      return { type: 'network-error' };
    case 'rotate-then-drop':
      return { type: 'rotate-then-drop' };
    case 'malformed': {
      const kind = MALFORMED_KINDS.find((entry) => entry === value['kind']);
      return kind === undefined ? null : { type: 'malformed', kind };
    }
    default:
      return null;
  }
}

export function parseFaultEndpoint(value: unknown): FaultEndpoint | null {
  return FAULT_ENDPOINTS.find((entry) => entry === value) ?? null;
}
