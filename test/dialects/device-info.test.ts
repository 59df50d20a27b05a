import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultDeviceInfo } from '../../src/endpoint/device-info';

const UA = {
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  safariIpad: 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0',
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

describe('default deviceInfo', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    [UA.edge, 'Edge on Windows'],
    [UA.chromeAndroid, 'Chrome on Android'],
    [UA.safariIphone, 'Safari on iPhone'],
    [UA.safariIpad, 'Safari on iPad'],
    [UA.firefoxMac, 'Firefox on macOS'],
    [UA.chromeLinux, 'Chrome on Linux'],
  ])('%s → %s', (userAgent, expected) => {
    vi.stubGlobal('navigator', { userAgent });
    expect(defaultDeviceInfo()).toBe(expected);
  });

  it('React Native and Node', () => {
    vi.stubGlobal('navigator', { product: 'ReactNative' });
    expect(defaultDeviceInfo()).toBe('react-native');
    vi.stubGlobal('navigator', undefined);
    expect(defaultDeviceInfo()).toBe(`node/${process.versions.node.split('.')[0]}`);
  });
});
