import type { IncomingMessage } from 'node:http';
import { ErrorCode, OutpostError } from '../../errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON request body of at most `limit` bytes. An empty body is `undefined` (calls without
 * arguments); anything else must parse, or the error says where it broke.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new OutpostError(
      ErrorCode.ApiInvalidJson,
      `The request body is not valid JSON (${reason}). Send a JSON object of the call's arguments.`,
      { details: { reason } },
    );
  }
}

function tooLarge(limit: number): OutpostError {
  return new OutpostError(
    ErrorCode.ApiBodyTooLarge,
    `The request body is larger than ${limit} bytes.`,
    { details: { limit } },
  );
}
