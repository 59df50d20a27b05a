import { isTokenflightError } from './base';
import { ErrorCode } from './codes';
import type { RefreshError, SessionEndedError, LoginError, ReplayError, ConfigError } from './errors';

export const isRefreshError = (e: unknown): e is RefreshError => isTokenflightError(e, ErrorCode.RefreshFailed);
export const isSessionEndedError = (e: unknown): e is SessionEndedError => isTokenflightError(e, ErrorCode.SessionEnded);
export const isLoginError = (e: unknown): e is LoginError => isTokenflightError(e, ErrorCode.LoginFailed);
export const isReplayError = (e: unknown): e is ReplayError => isTokenflightError(e, ErrorCode.BodyNotReplayable);
export const isConfigError = (e: unknown): e is ConfigError => isTokenflightError(e, ErrorCode.Config);
