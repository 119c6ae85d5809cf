import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { apiMetrics } from '../../src/metrics/api-metrics.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { parseExposition } from '../helpers/prometheus.ts';

const answered = (operation: string | null | undefined, errorCodes: string[] = []) => ({ operation, status: 200, seconds: 0.01, errorCodes });

describe('API metric labels stay bounded', () => {
  it('counts the first 100 operation names under their own name and every later one as (other)', async () => {
    const registry = new Registry();
    const api = apiMetrics(registry);
    for (let i = 0; i < 150; i++) api.request(answered(`Op${i}`));
    api.request(answered('Op7'));
    api.request(answered(null));
    api.request(answered(undefined));
    const scraped = parseExposition(await registry.metrics());
    const operations = new Set(scraped.samples.filter((s) => s.name === 'callsync_api_requests_total').map((s) => s.labels.operation));
    expect(operations.size).toBe(100 + 3);
    expect(scraped.value('callsync_api_requests_total', { operation: '(other)' })).toBe(50);
    expect(scraped.value('callsync_api_requests_total', { operation: 'Op7' })).toBe(2);
    expect(scraped.value('callsync_api_requests_total', { operation: '(anonymous)' })).toBe(1);
    expect(scraped.value('callsync_api_requests_total', { operation: '(unknown)' })).toBe(1);
    expect(operations.has('Op120')).toBe(false);
  });

  it('counts each error code once per answer, and a code that is not one (or past 50) as (other)', async () => {
    const registry = new Registry();
    const api = apiMetrics(registry);
    api.request(answered('A', ['BAD_USER_INPUT', 'BAD_USER_INPUT', 'QUERY_TOO_COSTLY']));
    api.request(answered('A', ['<script>alert(1)</script>']));
    for (let i = 0; i < 60; i++) api.request(answered('A', [`CODE_${i}`]));
    const scraped = parseExposition(await registry.metrics());
    expect(scraped.value('callsync_api_errors_total', { code: 'BAD_USER_INPUT' })).toBe(1);
    expect(scraped.value('callsync_api_errors_total', { code: 'QUERY_TOO_COSTLY' })).toBe(1);
    // 2 codes above, 48 more before the cap; the script, and the last 12 codes, are (other).
    expect(scraped.value('callsync_api_errors_total', { code: '(other)' })).toBe(13);
    expect(scraped.samples.filter((s) => s.name === 'callsync_api_errors_total')).toHaveLength(51);
  });

  it('keeps two processes\' worth of metrics apart: each registry counts only its own', async () => {
    const [a, b] = [createMetrics(), createMetrics()];
    a.ringcentral({ type: 'request', group: 'Heavy' });
    const [scrapedA, scrapedB] = [parseExposition(await a.registry.metrics()), parseExposition(await b.registry.metrics())];
    expect(scrapedA.value('callsync_ringcentral_requests_total', { group: 'Heavy' })).toBe(1);
    expect(scrapedB.value('callsync_ringcentral_requests_total', { group: 'Heavy' })).toBe(0);
  });
});

describe('METRICS_TOKEN', () => {
  it('is read when long enough, and refused when short, without echoing it', () => {
    expect(loadConfig({ METRICS_TOKEN: 'a'.repeat(32) }).metricsToken).toBe('a'.repeat(32));
    expect(loadConfig({}).metricsToken).toBeUndefined();
    try {
      loadConfig({ METRICS_TOKEN: 'short-secret' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const [problem] = (error as ConfigError).problems;
      expect(problem).toMatch(/^METRICS_TOKEN: must be at least 16 characters/);
      expect(problem).not.toContain('short-secret');
    }
  });
});
