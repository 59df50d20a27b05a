/**
 * A short, coarse description of the client ("Chrome on Linux", "node/24", "react-native"), sent with
 * login and refresh so users can recognise their sessions. Never a fingerprint.
 */
export function defaultDeviceInfo(): string | null {
  const g = globalThis as { navigator?: { product?: string; userAgent?: string }; process?: { versions?: { node?: string } } };
  if (g.navigator?.product === 'ReactNative') return 'react-native';
  const ua = g.navigator?.userAgent;
  if (typeof ua === 'string' && ua !== '') {
    // In order of precedence: Edge's UA also names Chrome and Safari, Android's names Linux, iOS's names Mac OS X.
    const browser = ['Edg/', 'Firefox/', 'Chrome/', 'Safari/'].find((name) => ua.includes(name))?.slice(0, -1);
    const os = ['Windows', 'Android', 'iPhone', 'iPad', 'Mac OS X', 'Linux'].find((name) => ua.includes(name));
    if (browser !== undefined || os !== undefined) {
      return `${browser === 'Edg' ? 'Edge' : (browser ?? 'browser')}${os === undefined ? '' : ` on ${os === 'Mac OS X' ? 'macOS' : os}`}`;
    }
  }
  const node = g.process?.versions?.node;
  return typeof node === 'string' ? `node/${node.split('.')[0] ?? ''}` : null;
}
