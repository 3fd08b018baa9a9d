// The one redaction rule, as every span applies it: userinfo and key-bearing query values go,
// the rest of the URL stays as it was.
import { describe, expect, it } from 'vitest';
import { redactQuery, redactUrl } from '../../agent/spans/redact.js';

const SPELLINGS = [
  'key', 'api_key', 'api-key', 'apikey', 'API-KEY', 'access_token', 'token', 'auth', 'password', 'secret',
  'client_secret', 'sig', 'signature', 'X-Amz-Signature', 'x-amz-credential', 'X-Amz-Security-Token',
  'X-Goog-Signature', 'X-Goog-Credential', 'AWSAccessKeyId', 'refresh_token', 'id_token', 'code',
];

describe('redactUrl', () => {
  it.each(SPELLINGS)('redacts the value of %s, whatever its case, and keeps the other parameters', (name) => {
    expect(redactUrl(`https://api.example.com/v1/x?page=2&${name}=s3cr3t&lang=en`)).toBe(
      `https://api.example.com/v1/x?page=2&${name}=REDACTED&lang=en`,
    );
  });

  it('redacts userinfo, user and password alike', () => {
    expect(redactUrl('http://alice:pw@host:8080/p?q=1')).toBe('http://REDACTED:REDACTED@host:8080/p?q=1');
  });

  it('redacts a repeated parameter every time it appears', () => {
    expect(redactUrl('http://h/p?key=a&key=b')).toBe('http://h/p?key=REDACTED');
  });

  it('returns a URL without query or userinfo unchanged, without parsing it', () => {
    const url = 'https://api.openai.com/v1/chat/completions';
    expect(redactUrl(url)).toBe(url);
  });

  it('drops the whole query of a URL it cannot parse', () => {
    expect(redactUrl('not a url?key=s3cr3t')).toBe('not a url');
  });
});

describe('redactQuery', () => {
  it('redacts url.query with or without its question mark', () => {
    expect(redactQuery('token=abc&lang=en')).toBe('token=REDACTED&lang=en');
    expect(redactQuery('?token=abc')).toBe('?token=REDACTED');
  });

  it('leaves a query without secrets exactly as it was', () => {
    expect(redactQuery('q=a%20b&page=2')).toBe('q=a%20b&page=2');
  });
});
