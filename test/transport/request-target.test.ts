// The one request normaliser every layer uses (taps, stream-usage wrapper, the HTTP
// instrumentation's skip hook): the same request seen four ways gives one target.
import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../agent/transport/request-target.js';

describe('requestTarget', () => {
  const expected = { method: 'POST', host: 'api.example.com', port: 8443, path: '/v1/chat/completions', url: 'https://api.example.com:8443/v1/chat/completions?api-version=1' };

  it.each([
    ['an undici origin and path', { method: 'POST', protocol: 'https:', host: 'API.example.com', port: '8443', path: '/v1/chat/completions?api-version=1' }],
    ['a ClientRequest with its Host header', { method: 'POST', protocol: 'https:', host: 'api.example.com:8443', path: '/v1/chat/completions?api-version=1' }],
    ['http.request options with a numeric port', { method: 'POST', protocol: 'https:', host: 'api.example.com', port: 8443, path: '/v1/chat/completions?api-version=1' }],
  ])('gives the same target from %s', (_seen, parts) => {
    expect(requestTarget(parts)).toEqual(expected);
  });

  it('takes the scheme\'s port when none is given, and leaves it out of the URL', () => {
    expect(requestTarget({ method: 'GET', protocol: 'https:', host: 'h', path: '/p' })).toMatchObject({ port: 443, url: 'https://h/p' });
    expect(requestTarget({ method: 'GET', protocol: undefined, host: 'h', path: undefined })).toMatchObject({ port: 80, path: '/', url: 'http://h/' });
  });

  it('reads IPv6 authorities, bracketed or bare', () => {
    expect(requestTarget({ method: 'GET', protocol: 'http:', host: '[::1]:11434', path: '/api/chat' })).toMatchObject({ host: '::1', port: 11434, url: 'http://[::1]:11434/api/chat' });
    expect(requestTarget({ method: 'GET', protocol: 'http:', host: '::1', port: 8080, path: '/' })).toMatchObject({ host: '::1', port: 8080 });
  });
});
