// Small HTTP helpers for the simulator tests: log in with the JWT grant and call the API with fetch.

import { parseExact, type Simulator } from '../../src/simulator/index.ts';

export const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A fixed history window so expectations do not depend on the wall clock. */
export const TO = new Date('2026-11-20T00:00:00.000Z');
export const DAY = 86_400_000;
export function historyDays(days: number, calls: number): { from: Date; to: Date; calls: number } {
  return { from: new Date(TO.getTime() - days * DAY), to: TO, calls };
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A controllable clock for the simulator (epoch ms). */
export class FakeClock {
  constructor(public now: number) {}
  readonly fn = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export function basic(sim: Simulator): string {
  return `Basic ${Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64')}`;
}

export async function tokenRequest(sim: Simulator, form: Record<string, string>, auth = basic(sim)): Promise<Reply> {
  const res = await fetch(`${sim.url}/restapi/oauth/token`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function login(sim: Simulator, extra: Record<string, string> = {}): Promise<{ access: string; refresh: string; body: any }> {
  const reply = await tokenRequest(sim, { grant_type: JWT_GRANT, assertion: sim.credentials.jwt, ...extra });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { access: reply.body.access_token, refresh: reply.body.refresh_token, body: reply.body };
}

/** GET an API path (relative to the simulator or absolute) with a bearer token. */
export async function get<T = any>(sim: Simulator, token: string, path: string, query?: Record<string, string | string[]>): Promise<Reply<T>> {
  const url = new URL(path, sim.url);
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
  }
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // multipart or empty bodies stay text
  }
  return { status: res.status, headers: res.headers, body };
}

export const CALL_LOG = '/restapi/v1.0/account/~/call-log';
export const EXTRACT_SYNC = '/restapi/v1.0/account/~/call-log-extract-sync';

/** Follows navigation.nextPage from a first call-log page; returns every record id in order. */
export async function walkPages(sim: Simulator, token: string, query: Record<string, string>): Promise<{ ids: string[]; pages: number; records: any[] }> {
  const records: any[] = [];
  let next: string | undefined = undefined;
  let pages = 0;
  let reply = await get(sim, token, CALL_LOG, query);
  for (;;) {
    if (reply.status !== 200) throw new Error(`page ${pages + 1}: ${reply.status} ${JSON.stringify(reply.body)}`);
    pages++;
    records.push(...reply.body.records);
    next = reply.body.navigation.nextPage?.uri;
    if (!next) break;
    reply = await get(sim, token, next);
  }
  return { ids: records.map((r) => r.id), pages, records };
}

export const messageStore = (ext: string | number = '~'): string => `/restapi/v1.0/account/~/extension/${ext}/message-store`;
export const messageSync = (ext: string | number = '~'): string => `/restapi/v1.0/account/~/extension/${ext}/message-sync`;

/** GET returning the raw text too, with the body parsed int64-exact (ids beyond 2^53 as bigint). */
export async function getExact<T = any>(sim: Simulator, token: string, path: string, query?: Record<string, string | string[]>): Promise<Reply<T> & { text: string }> {
  const url = new URL(path, sim.url);
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
  }
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: any = text;
  try {
    body = parseExact(text);
  } catch {
    // multipart or binary bodies stay text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The decimal digits of an int64 JSON value as parseExact returns it. */
export function idText(value: unknown): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}
