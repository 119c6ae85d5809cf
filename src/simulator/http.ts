// Request/response types shared by the simulator's routes, and RingCentral's error bodies
// (api-notes §7.1): API errors carry errorCode + message + errors[]; OAuth errors carry error +
// error_description + errors[].

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

export interface ApiRequest {
  method: string;
  /** Absolute URL on the simulator's origin. */
  url: URL;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Path parameters captured by the route pattern. */
  params: string[];
  /** Simulator clock at request arrival (epoch ms). */
  now: number;
}

export interface ApiResponse {
  status: number;
  /** JSON-serialised unless it is a string or a Buffer (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Large bodies (ground truth) are written piecewise instead. */
  stream?: (res: ServerResponse) => Promise<void>;
}

/** A JSON response. */
export function json(status: number, body: unknown, headers?: Record<string, string>): ApiResponse {
  return { status, body, headers };
}

export interface ErrorDetail {
  errorCode: string;
  message: string;
  parameterName?: string;
  parameterValue?: string;
}

/** Standard API error: top-level errorCode/message plus errors[]. */
export function apiError(status: number, errorCode: string, message: string, detail?: Partial<ErrorDetail>, headers?: Record<string, string>): ApiResponse {
  const inner: ErrorDetail = { errorCode: detail?.errorCode ?? errorCode, message: detail?.message ?? message };
  if (detail?.parameterName !== undefined) inner.parameterName = detail.parameterName;
  if (detail?.parameterValue !== undefined) inner.parameterValue = detail.parameterValue;
  return json(status, { errorCode, message, errors: [inner] }, headers);
}

/** 400 CMN-101 "Parameter [x] value is invalid", the code RingCentral uses for bad query values. */
export class ParamError extends Error {
  constructor(
    readonly parameterName: string,
    readonly parameterValue: string,
    readonly errorCode = 'CMN-101',
    message?: string,
  ) {
    super(message ?? `Parameter [${parameterName}] value is invalid`);
  }

  toResponse(): ApiResponse {
    return apiError(400, this.errorCode, this.message, {
      parameterName: this.parameterName,
      parameterValue: this.parameterValue,
    });
  }
}

/** OAuth endpoint error: {error, error_description, errors:[{errorCode, message}]}. */
export function oauthError(status: number, error: string, errorCode: string, description: string): ApiResponse {
  return json(status, { error, error_description: description, errors: [{ errorCode, message: description }] });
}

export const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Bearer realm="RingCentral REST API"' };

/** Body of the 429 RingCentral sends when a rate limit is exceeded (api-notes §6.3). */
export const RATE_EXCEEDED_BODY = {
  errorCode: 'CMN-301',
  message: 'Request rate exceeded',
  errors: [{ errorCode: 'CMN-301', message: 'Request rate exceeded' }],
};

/**
 * RingCentral's batch answer: a status part, then one JSON part per id (sdk.multipart splits it).
 * `stringify` writes each part (message-store parts need int64-exact JSON).
 */
export function multipart(parts: ApiResponse[], stringify: (value: unknown) => string = JSON.stringify): ApiResponse {
  const boundary = `Boundary_${Date.now().toString(36)}`;
  const chunks = [{ response: parts.map((p) => ({ status: p.status })) }, ...parts.map((p) => p.body)];
  const text = chunks.map((c) => `--${boundary}\r\nContent-Type: application/json\r\n\r\n${stringify(c)}\r\n`).join('');
  return {
    status: 207,
    body: `${text}--${boundary}--\r\n`,
    headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
  };
}
