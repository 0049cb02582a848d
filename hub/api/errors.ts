import { TributaryError } from '../../core/errors.js';

/** An error answered with an HTTP status and `{ error: { code, message } }`. */
export class ApiError extends TributaryError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** HTTP status of the coordinator's and log's errors; others are 500. */
const STATUS_OF_CODE: Record<string, number> = {
  ERR_GROUP_UNKNOWN: 404,
  ERR_GROUP_UNKNOWN_MEMBER: 404,
  ERR_GROUP_UNKNOWN_PARTITION: 404,
  ERR_GROUP_UNKNOWN_TOPIC: 404,
  ERR_LOG_PARTITION: 404,
  ERR_GROUP_NOT_OWNER: 409,
  ERR_GROUP_STALE_LEASE: 409,
  ERR_GROUP_BAD_OFFSET: 400,
  ERR_GROUP_SESSION_TIMEOUT: 400,
  ERR_GROUP_MEMBER_ID: 400,
  ERR_GROUP_NAME: 400,
  ERR_GROUP_TOPIC: 400,
  ERR_FETCH_OFFSET_OUT_OF_RANGE: 400,
};

/** The status and body for any thrown value. */
export function errorResponse(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof TributaryError && STATUS_OF_CODE[error.code] !== undefined) return { status: STATUS_OF_CODE[error.code]!, code: error.code, message: error.message };
  return { status: 500, code: 'ERR_API_INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}; see the hub log` };
}

/** A 400 for a bad request parameter. */
export function badParameter(message: string): ApiError {
  return new ApiError(400, 'ERR_API_BAD_PARAMETER', message);
}
