export { ErrorCode } from './codes';
export { TokenflightError, isTokenflightError } from './base';
export {
  ConfigError,
  LoginError,
  RefreshError,
  SessionEndedError,
  ReplayError,
  DisposedError,
  NotAuthenticatedError,
  InvalidArgumentError,
  type EndReason,
} from './errors';
export { isRefreshError, isSessionEndedError, isLoginError, isReplayError, isConfigError } from './guards';
