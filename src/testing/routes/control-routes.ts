import { parseFault, parseFaultEndpoint } from '../fault-parse';
import { authError, json, noContent } from '../http/responses';
import { readJsonObject } from '../http/request-data';
import type { RouteHandler } from './route-types';

/** GET /__tokenflight/counters */
export const counters: RouteHandler = async (ctx) => json(200, ctx.counters.snapshot());

/** POST /__tokenflight/reset */
export const reset: RouteHandler = async (ctx) => {
  ctx.counters.reset();
  return noContent();
};

/** POST /__tokenflight/expire */
export const expire: RouteHandler = async (ctx) => {
  ctx.access.expireAll();
  return noContent();
};

/** POST /__tokenflight/faults { endpoint, fault, times? } */
export const addFault: RouteHandler = async (ctx, request) => {
  const body = await readJsonObject(request);
  const endpoint = parseFaultEndpoint(body?.['endpoint']);
  const fault = parseFault(body?.['fault']);
  const times = body?.['times'] ?? 1;
  if (endpoint === null || fault === null || typeof times !== 'number' || !Number.isSafeInteger(times) || times < 1) {
    return authError(400, 'invalid_request', 'Expected { endpoint, fault, times }');
  }
  ctx.faults.inject(endpoint, fault, times);
  return noContent();
};

/** DELETE /__tokenflight/faults */
export const clearFaults: RouteHandler = async (ctx) => {
  ctx.faults.clear();
  return noContent();
};

/** POST /__tokenflight/clock { offsetMs } */
export const clock: RouteHandler = async (ctx, request) => {
  const body = await readJsonObject(request);
  const offset = body?.['offsetMs'];
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return authError(400, 'invalid_request', 'Expected { offsetMs }');
  ctx.clock.setOffset(offset);
  return noContent();
};
