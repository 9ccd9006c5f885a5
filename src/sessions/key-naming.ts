import { hashToken, sha256Hex, type HashAlgorithm } from '../core/hash.js'
import { generateToken, orgOfToken, randomKeyId } from '../core/token.js'
import type { StoredKey } from '../store/ports.js'

export interface KeyNamingOptions {
  readonly hashKeys: boolean
  /** Algorithm put into newly generated tokens; '' keeps Tyk's legacy org+id format. */
  readonly hashKeyFunction: string
  /** The random id of a generated key; the CSPRNG unless a test forces collisions. */
  readonly randomKeyId?: () => string
}

/** The hash behind a storage id, told by its length (hex digits of each algorithm's output). */
const HASH_BY_ID_LENGTH: ReadonlyMap<number, HashAlgorithm> = new Map([[8, 'murmur32'], [16, 'murmur64'], [32, 'murmur128'], [64, 'sha256']])

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

  /** A token with a fresh random id, for POST /tyk/keys/create. */
  randomToken (orgId: string): string {
    return generateToken(orgId, this.options.randomKeyId?.() ?? randomKeyId(), this.options.hashKeyFunction)
  }

  /**
   * The hash function a stored key is kept under: each token names its own (legacy tokens
   * murmur32), so keys made under an older hash_key_function keep theirs; the id's length
   * tells which. 'none' when keys are stored in clear.
   */
  hashFunctionOf (id: string): HashAlgorithm | 'none' {
    if (!this.options.hashKeys) return 'none'
    return HASH_BY_ID_LENGTH.get(id.length) ?? 'murmur32'
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
