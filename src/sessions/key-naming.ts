import { hashToken, sha256Hex } from '../core/hash.js'
import { generateToken, orgOfToken } from '../core/token.js'
import type { StoredKey } from '../store/ports.js'

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
  /** The token, undefined when the key was addressed by its hash. */
  readonly token: string | undefined
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
    return { name: token, id: this.options.hashKeys ? hashToken(token) : token, token }
  }

  /**
   * What we store beside a hashed key to tell its token from another with the same (weak)
   * hash: sha256 of the token; '' when the token is unknown or keys are stored in clear.
   */
  tokenCheckOf (name: KeyName): string {
    return this.options.hashKeys && name.token !== undefined ? sha256Hex(name.token) : ''
  }

  /** Whether a stored key belongs to this name. Computed only when the store holds a check. */
  belongsTo (stored: StoredKey, name: KeyName): boolean {
    if (stored.tokenCheck === '' || name.token === undefined || !this.options.hashKeys) return true
    return stored.tokenCheck === sha256Hex(name.token)
  }

  /** The path segment is the storage id itself (`?hashed=...`). */
  fromHash (hash: string): KeyName {
    return { name: hash, id: hash, token: undefined }
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
