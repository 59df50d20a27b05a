// Minimal declarations of the fetch-based clients the recipes use, so they type-check without installing
// them. In an app, the real packages provide these types.

declare module 'graphql-request' {
  export function gql(chunks: TemplateStringsArray, ...variables: unknown[]): string;
  export class GraphQLClient {
    constructor(url: string, config?: { fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>; headers?: HeadersInit });
    request<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  }
}

declare module 'eventsource' {
  export interface EventSourceFetchInit {
    signal: AbortSignal | null; // typed loosely in the package
    headers: Record<string, string>;
    mode: 'cors' | 'no-cors' | 'same-origin';
    credentials?: 'include' | 'omit' | 'same-origin';
    cache: 'no-store';
    redirect: 'error' | 'follow' | 'manual';
  }
  export class EventSource extends EventTarget {
    constructor(url: string | URL, init?: { withCredentials?: boolean; fetch?: (url: string | URL, init: EventSourceFetchInit) => Promise<Response> });
    close(): void;
    addEventListener(type: 'message', listener: (event: MessageEvent<string>) => void): void;
  }
}
