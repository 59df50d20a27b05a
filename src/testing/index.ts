/**
 * tokenflight/testing: the reference auth server. One in-memory model of users and refresh keys,
 * served through MSW handlers (`server.handlers`) and a loopback HTTP server (`server.listen()`).
 */
export { createAuthServer } from './server';
export { leeway } from './options';
export type {
  AuthServer,
  AuthServerClient,
  AuthServerCounters,
  AuthServerOptions,
  AuthServerUser,
  DpopControls,
  DpopServerOptions,
  Fault,
  FaultEndpoint,
  IssueTokensOptions,
  ListenOptions,
  ListeningServer,
  MalformedKind,
  MintedRefreshKey,
  MintRefreshKeyOptions,
  PublicRefreshKey,
  RefreshKeyContent,
  RefreshKeyRecord,
  RotationMode,
  TokenPair,
} from './types';
