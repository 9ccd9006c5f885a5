import type { ErrorCode } from '../model/errors.js'

/** A step's outcome on the hot path: a value, not an exception. Made once, shared, frozen. */
export type Verdict = { readonly ok: true } | { readonly ok: false, readonly error: ErrorCode }
export const PASS: Verdict = Object.freeze({ ok: true })
export const deny = (error: ErrorCode): Verdict => Object.freeze({ ok: false, error })
