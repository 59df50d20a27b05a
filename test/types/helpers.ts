/** Keys of `T` whose name mentions a token (`accessToken`, `refresh_token`, ...): must be `never` in event payloads. */
export type TokenKeys<T> = { [K in keyof T]-?: K extends `${string}${'token' | 'Token'}${string}` ? K : never }[keyof T];

/** `true` when `T` is `any`. */
export type IsAny<T> = 0 extends 1 & T ? true : false;
