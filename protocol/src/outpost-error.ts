/** Every Outpost error: a stable code, a human message, optional structured details and cause. */
export class OutpostError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutpostError';
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isOutpostError(err: unknown, code?: string): err is OutpostError {
  return err instanceof OutpostError && (code === undefined || err.code === code);
}

/** The message of any thrown value, for logs and dead-letter reasons. */
export function errorMessage(err: unknown): string {
  if (err instanceof OutpostError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
