// README: Recipes, Node service with a refresh key.
import { createAuthClient } from 'tokenflight';
import { fileStorage } from '../node-service/file-storage.ts';

const auth = createAuthClient({
  baseUrl: 'https://api.example.com/',
  refreshKey: process.env['REFRESH_KEY'] ?? '', // a long-lived key issued for this service
  audience: 'reports-service',
  storage: fileStorage('/var/lib/reports-service'), // keeps the rotated key across restarts
  lock: false,
  channel: false,
});

auth.on('session:refresh-failed', ({ code, retryable }) => console.warn('refresh failed', code, { retryable }));
auth.on('session:end', ({ reason }) => {
  console.error('service key no longer valid:', reason);
  process.exitCode = 1;
});

const report = await auth.http.get('reports/daily').json();
console.log(report);
process.once('SIGTERM', () => auth.dispose());
