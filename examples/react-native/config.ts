/**
 * Your API. During development: the reference auth server that `npm run auth-server` starts on this
 * machine (user ada / lovelace), reachable as 127.0.0.1 from the iOS simulator, and from an Android
 * emulator or device after `adb reverse tcp:4000 tcp:4000`. In production: your HTTPS API.
 */
export const API_URL = 'http://127.0.0.1:4000/';
