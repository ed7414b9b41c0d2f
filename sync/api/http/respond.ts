import type { ServerResponse } from 'node:http';
import { ErrorCode, type ErrorPayload } from '../../errors.js';

/** Headers on every API response: never cached, never sniffed, never framed. */
const API_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    ...API_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string) {
  res.writeHead(status, {
    ...API_HEADERS,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  payload: ErrorPayload,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { code: payload.code, message: payload.message, details: payload.details ?? {} },
    headers,
  );
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidArgs]: 400,
  [ErrorCode.ApiInvalidJson]: 400,
  [ErrorCode.ConfigInvalid]: 400,
  [ErrorCode.ApiUnauthorized]: 401,
  [ErrorCode.ApiHostRejected]: 403,
  [ErrorCode.UnknownCall]: 404,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.ApiMethodNotAllowed]: 405,
  [ErrorCode.InvalidState]: 409,
  [ErrorCode.ConfigNotWritable]: 409,
  [ErrorCode.ConfigUnreadable]: 409,
  [ErrorCode.ApiBodyTooLarge]: 413,
  [ErrorCode.NotImplemented]: 501,
  [ErrorCode.CentralUnreachable]: 503,
  [ErrorCode.MongodNotRunning]: 503,
};

/** The HTTP status for an error code; anything unexpected is a 500. */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}
