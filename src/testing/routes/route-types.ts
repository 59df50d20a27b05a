import type { ServerContext } from '../context';

export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (ctx: ServerContext, request: Request, params: RouteParams) => Promise<Response>;
