/** gRPC status codes the Firestore, Pub/Sub and Cloud Tasks clients surface as `err.code`. */
export const GRPC = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
} as const;

/** True when `e` is a Google client error carrying the gRPC status `code`. */
export function hasGrpcCode(e: unknown, code: number): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
