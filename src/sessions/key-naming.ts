import { hashToken, sha256Hex } from '../core/hash.js'
import { generateToken, orgOfToken } from '../core/token.js'

export interface KeyNamingOptions {
  readonly hashKeys: boolean
  /** Algorithm put into newly generated tokens; '' keeps Tyk's legacy org+id format. */
  readonly hashKeyFunction: string
}

/** A key as storage knows it: the client's token (when known) and the storage id. */
export interface KeyName {
  /** What responses call `key`: the token, or the hash when the key was addressed by hash. */
  readonly name: string
  /** The storage id: hash(token) with hashing on, else the token. */
  readonly id: string
  /** sha256(token), '' when the token is unknown (addressed by hash). */
  readonly tokenCheck: string
}

/** Tyk's rules for turning key ids, tokens and hashes into storage names (spec 1.6, 1.7, 2.12). */
export class KeyNaming {
  constructor (private readonly options: KeyNamingOptions) {}

  get hashKeys (): boolean { return this.options.hashKeys }

  /** The token for a new key: org + custom id (random when empty), in the configured format. */
  newToken (orgId: string, keyId: string): string {
    return generateToken(orgId, keyId, this.options.hashKeyFunction)
  }

  fromToken (token: string): KeyName {
    return {
      name: token,
      id: this.options.hashKeys ? hashToken(token) : token,
      tokenCheck: this.options.hashKeys ? sha256Hex(token) : ''
    }
  }

  /** The path segment is the storage id itself (`?hashed=...`). */
  fromHash (hash: string): KeyName {
    return { name: hash, id: hash, tokenCheck: '' }
  }

  /**
   * The storage names a short or full key name may stand for, in Tyk's order: when the segment
   * is already a token of this org, only itself; otherwise org + segment first, then the segment.
   */
  candidates (segment: string, orgId: string): KeyName[] {
    if (orgOfToken(segment) === orgId) return [this.fromToken(segment)]
    const prefixed = this.newToken(orgId, segment)
    return prefixed === segment ? [this.fromToken(segment)] : [this.fromToken(prefixed), this.fromToken(segment)]
  }
}
