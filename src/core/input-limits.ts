/**
 * How much a client may store in one field. Each write is also an event row kept until retention
 * prunes it, so a field's size multiplies by how often it is sent: a heartbeat's progress and note
 * are small, a run's final words and result larger. JSON fields are measured serialized, in bytes.
 */
export const INPUT_LIMITS = {
  progress_bytes: 16 * 1024,
  note_chars: 4_000,
  summary_chars: 16_000,
  error_chars: 16_000,
  result_bytes: 64 * 1024,
  comment_chars: 16_000,
  /** Reasons and actors given with an operator's action. */
  reason_chars: 1_000,
} as const;

/** UTF-8 bytes of a JSON value as it is stored. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
