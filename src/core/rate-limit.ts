/**
 * Tyk's default limiter on one gateway ("DRL" standalone, spec gateway 2.3.1): a bucket that
 * starts full at the first request, allows floor(rate) requests (at least 1) and refills
 * whole `trunc(per)` seconds after it was (re)filled. Not sliding, not smoothed.
 * Pure: the bucket is a plain object the caller keeps; time comes in as a parameter.
 */
export interface RateBucket {
  /** requests left in the current window */
  remaining: number
  /** when the window ends, ms since the epoch */
  resetAtMs: number
}

export type RateDecision =
  | { readonly kind: 'allow', readonly limit: number, readonly remaining: number, readonly resetAtMs: number }
  | { readonly kind: 'block', readonly limit: number, readonly resetAtMs: number }

/** Whether a rate/per pair limits anything: rate 0 and -1 mean unlimited, as does per < 1 s. */
export function isRateLimited (rate: number, per: number): boolean {
  return rate > 0 && Math.trunc(per) >= 1
}

export function newBucket (rate: number, per: number, nowMs: number): RateBucket {
  return { remaining: capacityOf(rate), resetAtMs: nowMs + Math.trunc(per) * 1000 }
}

/**
 * Takes one request from the bucket (or, with `dryRun`, only says whether it could).
 * Changes `bucket` in place: it is the limiter's own state, owned by one counter.
 */
export function takeFromBucket (bucket: RateBucket, rate: number, per: number, nowMs: number, dryRun = false): RateDecision {
  const limit = Math.trunc(rate)
  if (nowMs > bucket.resetAtMs) {
    bucket.remaining = capacityOf(rate)
    bucket.resetAtMs = nowMs + Math.trunc(per) * 1000
  }
  if (bucket.remaining < 1) return { kind: 'block', limit, resetAtMs: bucket.resetAtMs }
  if (!dryRun) bucket.remaining -= 1
  return { kind: 'allow', limit, remaining: bucket.remaining, resetAtMs: bucket.resetAtMs }
}

/** floor(rate), but a fractional rate below 1 still allows one request per window. */
function capacityOf (rate: number): number {
  return Math.max(1, Math.floor(rate))
}
