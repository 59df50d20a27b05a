// The part of an `openapi-typescript` output that the fetch recipes use (generate yours with
// `npx openapi-typescript https://api.example.com/openapi.json -o schema.ts`).
export interface paths {
  '/api/me': {
    get: {
      parameters: { query?: never };
      responses: { 200: { content: { 'application/json': { username: string } } } };
    };
  };
  '/api/notes': {
    post: {
      parameters: { query?: never };
      requestBody: { content: { 'application/json': { text: string } } };
      responses: { 201: { content: { 'application/json': { id: string; text: string } } } };
    };
  };
}
