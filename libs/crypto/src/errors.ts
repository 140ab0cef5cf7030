/**
 * Error codes are stable strings so callers can map every failure to one uniform HTTP response
 * (RELIABILITY decision 3) without parsing messages.
 */
export type CryptoErrorCode =
  | 'ILLEGAL_AES_KEY'
  | 'BAD_BASE64'
  | 'BAD_BLOCK_LENGTH'
  | 'BAD_PADDING'
  | 'BAD_LENGTH'
  | 'RECEIVE_ID_MISMATCH'
  | 'DECRYPT_FAILED'
  | 'BAD_SECRET_FORMAT'
  | 'UNKNOWN_KEY_ID'
  | 'BAD_MASTER_KEY';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'CryptoError';
    this.code = code;
  }
}
