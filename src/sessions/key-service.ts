import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../core/hash.js'
import { GatehouseError } from '../model/errors.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'
import { policyIdsOf } from '../core/policy-merge.js'
import type { Bus, Counters, Store, StoredKey } from '../store/ports.js'
import { quotaCounterName, rateCounterName } from '../core/effective-limit.js'
import { readLiveQuota, withLiveQuota } from './live-quota.js'
import type { KeyName, KeyNaming } from './key-naming.js'

/**
 * Random names drawn for one generated key before giving up. With murmur32 a draw lands on a
 * taken name with probability keys / 2^32; only a broken generator ever reaches this.
 */
const MAX_CREATE_DRAWS = 100

export interface KeyServiceOptions {
  readonly store: Store
  /** Told of every key write and delete, so caches on every node drop the old session. */
  readonly bus: Bus
  /** Quota counters and rate buckets: reset by key writes; quotas shown live by reads. */
  readonly counters: Counters
  readonly naming: KeyNaming
  readonly allowMasterKeys: boolean
  /** Tyk treats 0 as 3: shorter custom ids could never authenticate. */
  readonly minTokenLength: number
  readonly enableHashedKeysListing: boolean
  /**
   * The effective session: the key merged with its policies, checked against the API's org when
   * one is given. Throws an Error carrying Tyk's reason when the key must be refused.
   */
  readonly applyPolicies: (session: Session, apiOrgId?: string) => Session
  /** A policy as a key of `orgId` sees it (for trial periods). */
  readonly policyLookup: (orgId: string, id: string) => Policy | undefined
  /** The org of a loaded API, undefined when no such API is loaded. */
  readonly apiOrgOf: (apiId: string) => string | undefined
  /** Every key (storage id) that can call the API now, in id order: key search's api_id. */
  readonly callersOf: (apiId: string) => AsyncIterable<string>
  readonly clock: () => number
}

/** One GET answer and what it was made from. */
interface KeyView {
  readonly generation: number
  readonly apiId: string | undefined
  /** the key merged with its policies, before the live counters */
  readonly effective: Session
  /** the live counters' stamp the session shows; undefined until first shown */
  readonly stamp: string | undefined
  /** the answer: frozen, so callers may keep and render it once */
  readonly session: Session
}

export interface ModifyResult {
  readonly key: string
  readonly action: 'added' | 'modified' | 'deleted' | 'updated'
  readonly key_hash?: string
}

/** Where a key is addressed from the path: its segment, the org to resolve it in, hashed or not. */
export interface KeyAddress {
  readonly segment: string
  readonly orgId: string
  readonly hashed: boolean
  /** GET: the API whose org the policies are checked against (ignored when not loaded). */
  readonly apiId?: string
}

/** The key operations of Tyk's management API (spec section 2), free of HTTP. */
export class KeyService {
  /**
   * GET answers by stored key, reused while the key (a new StoredKey on every write), the
   * policies, orgs and APIs (the generation) and the live counters (the stamp) are unchanged:
   * a monitoring script that polls keys costs no merge and no copy.
   */
  private readonly views = new WeakMap<StoredKey, KeyView>()
  private generation = 0

  constructor (private readonly options: KeyServiceOptions) {
    options.bus.subscribe((event) => {
      if (event.kind !== 'key') this.generation++
    })
  }

  /** POST /tyk/keys/create: a fresh random key. */
  async create (input: Session): Promise<ModifyResult> {
    const { naming } = this.options
    const nowMs = this.options.clock()
    let session = stampCreated(input, nowMs)
    if (session.hmac_enabled) session = { ...session, hmac_string: randomBytes(16).toString('base64') }
    const effective = this.mergeOr(session, undefined, (reason) => new GatehouseError('KEY_CREATE_FAILED', { args: [reason] }))
    if (Object.keys(effective.access_rights).length === 0 && !this.options.allowMasterKeys) {
      throw new GatehouseError('MASTER_KEY_REFUSED')
    }
    this.checkSavedMerges(session, effective, (reason) => new GatehouseError('KEY_CREATE_FAILED', { args: [reason] }))
    session = resetQuotaWindow(this.withTrialPeriod(session, nowMs), nowMs)
    const name = await this.freeRandomName(session.org_id)
    await this.write(name.id, { session, tokenCheck: naming.tokenCheckOf(name) })
    await this.resetQuotas(name.id, effective)
    return withHash(name, 'added', naming.hashKeys)
  }

  /**
   * A generated key's name. With legacy murmur32 names a fresh random token lands on a taken
   * name about once in 4,300 at 1M keys: draw again until it is free, never overwrite.
   */
  private async freeRandomName (orgId: string): Promise<KeyName> {
    const { naming, store } = this.options
    for (let attempt = 0; attempt < MAX_CREATE_DRAWS; attempt++) {
      const name = naming.fromToken(naming.randomToken(orgId))
      if (await store.getKey(name.id) === undefined) return name
    }
    throw new GatehouseError('KEY_CREATE_FAILED', { args: ['no free key name found'] })
  }

  /** POST /tyk/keys/{keyID} and POST /tyk/keys: a custom or imported key, overwriting any. */
  async add (keyId: string, input: Session, flags: { hashed: boolean, suppressReset: boolean }): Promise<ModifyResult> {
    const { naming, store } = this.options
    const nowMs = this.options.clock()
    const minLength = Math.max(this.options.minTokenLength, 3)
    if (keyId !== '' && keyId.length < minLength) {
      throw new GatehouseError('KEY_ID_TOO_SHORT', { args: [keyId.length, minLength] })
    }
    let session = stampCreated(input, nowMs)
    // A past expiry is dropped on import: there is no previous value, so the key never expires.
    if (session.expires > 1 && session.expires * 1000 < nowMs) session = { ...session, expires: 0 }
    const token = naming.newToken(session.org_id, keyId)
    // no id: a generated key, which must not fail on a taken (murmur32) name either
    const name = keyId === '' && !flags.hashed ? await this.freeRandomName(session.org_id) : flags.hashed ? naming.fromHash(token) : naming.fromToken(token)
    const existing = await store.getKey(name.id)
    // A legacy murmur32 name taken by another token must not be overwritten by this one.
    if (existing !== undefined && !naming.belongsTo(existing, name)) throw new GatehouseError('KEY_HASH_COLLISION')
    if (existing === undefined) session = this.withTrialPeriod(session, nowMs)
    session = hashBasicAuthPassword(session, undefined)
    await this.save(name, naming.tokenCheckOf(name), session, existing?.session, flags.suppressReset, nowMs)
    const result = withHash(name, 'added', naming.hashKeys || flags.hashed)
    // Tyk hides a basic-auth user's token: only the hash identifies it.
    return session.basic_auth_data.password !== '' && result.key_hash !== undefined ? { ...result, key: '' } : result
  }

  /** PUT /tyk/keys/{keyID}: replace an existing key (found with the body's org_id). */
  async update (keyId: string, input: Session, flags: { hashed: boolean, suppressReset: boolean }): Promise<ModifyResult> {
    const nowMs = this.options.clock()
    const found = await this.find({ segment: keyId, orgId: input.org_id, hashed: flags.hashed })
    if (found === undefined) throw new GatehouseError('KEY_NOT_FOUND_ON_UPDATE')
    const [name, stored] = found
    const previous = stored.session
    let session: Session = { ...input, date_created: previous.date_created }
    if (flags.suppressReset) {
      session = { ...session, quota_renews: previous.quota_renews, last_updated: previous.last_updated }
    }
    if (session.expires > 1 && session.expires * 1000 < nowMs) session = { ...session, expires: previous.expires }
    session = hashBasicAuthPassword(session, previous)
    await this.save(name, stored.tokenCheck === '' ? this.options.naming.tokenCheckOf(name) : stored.tokenCheck, session, previous, flags.suppressReset, nowMs)
    return { key: name.name, action: 'modified' }
  }

  /** The hash function a stored key is kept under ('none' with hash_keys off). */
  hashFunctionOf (id: string): string {
    return this.options.naming.hashFunctionOf(id)
  }

  /** GET /tyk/keys/{keyID}: the session with policies applied and the password blanked. */
  async get (address: KeyAddress): Promise<Session> {
    return (await this.read(address)).session
  }

  /** A key as stored and as GET shows it (for explain): its storage id, own session, answer. */
  async read (address: KeyAddress): Promise<{ readonly id: string, readonly own: Session, readonly session: Session }> {
    if (address.hashed && !this.options.naming.hashKeys) throw new GatehouseError('HASHED_LOOKUP_DISABLED')
    const found = await this.find(address)
    if (found === undefined) throw new GatehouseError('KEY_NOT_FOUND')
    const [name, stored] = found
    return { id: name.id, own: stored.session, session: await this.viewOf(name, stored, address.apiId) }
  }

  /** The GET answer of a stored key, reused while nothing behind it changed. */
  private async viewOf (name: KeyName, stored: StoredKey, apiId: string | undefined): Promise<Session> {
    const nowMs = this.options.clock()
    let view = this.views.get(stored)
    if (view === undefined || view.generation !== this.generation || view.apiId !== apiId) {
      const effective = this.applyPoliciesLeniently(stored.session, apiId === undefined ? undefined : this.options.apiOrgOf(apiId))
      view = { generation: this.generation, apiId, effective, stamp: undefined, session: effective }
    }
    const live = await readLiveQuota(this.options.counters, name.id, view.effective, nowMs)
    if (live.stamp !== view.stamp) {
      const session = withLiveQuota(view.effective, live, nowMs)
      view = { ...view, stamp: live.stamp, session: Object.freeze({ ...session, basic_auth_data: { ...session.basic_auth_data, password: '' } }) }
      this.views.set(stored, view)
    }
    return view.session
  }

  /** DELETE /tyk/keys/{keyID}. */
  async delete (address: KeyAddress): Promise<ModifyResult> {
    const found = await this.find(address)
    if (found === undefined) throw new GatehouseError('KEY_NOT_FOUND_ON_DELETE')
    const deleted = await this.options.store.deleteSession(found[0].id)
    if (!deleted) throw new GatehouseError('KEY_REMOVE_FAILED')
    // counters go with the key (spec 2.8)
    const effective = this.applyPoliciesLeniently(found[1].session, undefined)
    await this.resetQuotas(found[0].id, effective)
    await this.resetRates(found[0].id, effective)
    await this.options.bus.publish({ kind: 'key', id: found[0].id })
    return { key: found[0].name, action: 'deleted' }
  }

  /**
   * GET /tyk/keys (spec 2.9). With `api_id`: every key that can call the API now (own rights,
   * policies, org-wide policies, org defaults, master keys when allowed), as key search decides
   * it, where Tyk reads the stored access_rights only (issue 15); in plain mode `filter` still
   * narrows by org prefix, and is no longer required.
   */
  async list (query: { filter: string, apiId: string }): Promise<string[]> {
    const { naming } = this.options
    if (naming.hashKeys && !this.options.enableHashedKeysListing) throw new GatehouseError('HASHED_LISTING_DISABLED')
    // Tyk ignores filter when keys are hashed: hashes carry no org
    const filter = naming.hashKeys ? '' : query.filter
    if (query.apiId === '') return await this.idsOfOrgPrefix(filter)
    const prefixes = filter === '' ? [] : [filter, encodedOrgPrefix(filter)]
    const out: string[] = []
    for await (const id of this.options.callersOf(query.apiId)) {
      if (prefixes.length === 0 || prefixes.some((prefix) => id.startsWith(prefix))) out.push(id)
    }
    return out
  }

  /** POST /tyk/keys/preview: what the session becomes, nothing stored. */
  preview (input: Session): Session {
    return this.applyPoliciesLeniently(stampCreated(input, this.options.clock()), undefined)
  }

  /** POST /tyk/keys/policy/{keyHash}: replace the policy list of a key addressed by storage id. */
  async setPolicies (id: string, policyIds: readonly string[]): Promise<ModifyResult> {
    const { store } = this.options
    const stored = await store.getKey(id)
    if (stored === undefined) throw new GatehouseError('KEY_NOT_FOUND')
    const session: Session = {
      ...stored.session,
      last_updated: unixSeconds(this.options.clock()),
      apply_policy_id: '',
      apply_policies: [...policyIds]
    }
    try {
      await this.write(id, { ...stored, session })
    } catch (err) {
      throw new GatehouseError('KEY_WRITE_FAILED', { cause: err })
    }
    // a new last_updated, as in Tyk's handleUpdateHashedKey: a fresh rate window
    await this.resetRates(id, this.applyPoliciesLeniently(stored.session, undefined))
    return { key: id, action: 'updated' }
  }

  /** GET /tyk/keys/policy/{keyHash}: the policy list of a key addressed by storage id. */
  async policiesOf (id: string): Promise<{ apply_policies: string[], apply_policy_id: string }> {
    const stored = await this.options.store.getKey(id)
    if (stored === undefined) throw new GatehouseError('KEY_NOT_FOUND')
    return { apply_policies: stored.session.apply_policies, apply_policy_id: stored.session.apply_policy_id }
  }

  /** Spec 2.12: the first candidate storage name that holds a key. */
  private async find (address: KeyAddress): Promise<[KeyName, StoredKey] | undefined> {
    const { naming, store } = this.options
    const candidates = address.hashed ? [naming.fromHash(address.segment)] : naming.candidates(address.segment, address.orgId)
    for (const candidate of candidates) {
      const stored = await store.getKey(candidate.id)
      if (stored !== undefined && naming.belongsTo(stored, candidate)) {
        return [candidate, stored]
      }
    }
    return undefined
  }

  /**
   * doAddOrUpdate (spec 2.6.1): master-key rule, quota window, then a durable write. Unless
   * suppressed, the update starts fresh quota periods and rate windows; `previous` is the
   * session it replaces, whose rate buckets go.
   */
  private async save (name: KeyName, tokenCheck: string, input: Session, previous: Session | undefined, suppressReset: boolean, nowMs: number): Promise<void> {
    let session = suppressReset ? input : { ...input, last_updated: unixSeconds(nowMs) }
    const refuse = (reason: string): GatehouseError => new GatehouseError('KEY_SECURITY_SETTINGS', { detail: reason })
    const effective = this.applyPoliciesLeniently(session, undefined)
    if (Object.keys(effective.access_rights).length === 0 && !this.options.allowMasterKeys) throw refuse('keys must have at least one access rights record (allow_master_keys is off)')
    this.checkSavedMerges(session, effective, refuse)
    if (!suppressReset) session = resetQuotaWindow(session, nowMs)
    await this.write(name.id, { session, tokenCheck })
    if (suppressReset) return
    await this.resetQuotas(name.id, effective)
    if (previous !== undefined) await this.resetRates(name.id, this.applyPoliciesLeniently(previous, undefined))
  }

  /** Deletes the key's quota counters: the key-level one and one per allowance scope (2.6.2). */
  private async resetQuotas (id: string, effective: Session): Promise<void> {
    const names = new Set([quotaCounterName('', id)])
    for (const right of Object.values(effective.access_rights)) {
      if (right.allowance_scope !== undefined && right.allowance_scope !== '') names.add(quotaCounterName(right.allowance_scope, id))
    }
    await this.options.counters.resetQuotas([...names])
  }

  /**
   * Drops the rate buckets a session used: one per allowance scope, named by its last_updated
   * (Tyk's in-memory bucket, spec gateway 2.2). Tyk relies on the new last_updated alone; it has
   * whole seconds, so an update within the second kept the old, spent window (issue 15).
   */
  private async resetRates (id: string, effective: Session): Promise<void> {
    const names = new Set([rateCounterName('', id, effective.last_updated)])
    for (const right of Object.values(effective.access_rights)) {
      if (right.allowance_scope !== undefined && right.allowance_scope !== '') names.add(rateCounterName(right.allowance_scope, id, effective.last_updated))
    }
    await this.options.counters.resetRates([...names])
  }

  /** A durable write, then the news, so no node serves the old session afterwards. */
  private async write (id: string, key: StoredKey): Promise<void> {
    await this.options.store.putKey(id, key)
    await this.options.bus.publish({ kind: 'key', id })
  }

  private mergeOr (session: Session, apiOrgId: string | undefined, refuse: (reason: string) => GatehouseError): Session {
    try {
      return this.options.applyPolicies(session, apiOrgId)
    } catch (err) {
      throw refuse(err instanceof Error ? err.message : String(err))
    }
  }

  /** Tyk's first, context-free merge on add/update ignores errors (spec 2.5 step 3). */
  private applyPoliciesLeniently (session: Session, apiOrgId: string | undefined): Session {
    try {
      return this.options.applyPolicies(session, apiOrgId)
    } catch {
      return session
    }
  }

  /**
   * Tyk's doAddOrUpdate saves the key once per API it grants, re-merging strictly each time with
   * that API as context (none when the API is not loaded): a policy that is not found, or one of
   * another org than a loaded API's, refuses the whole write (spec 2.3, 2.4 step 8, 2.14 rule 4).
   * A master key is saved against every loaded API; a context-free merge stands in for those.
   * One merge per distinct context: a key granting many APIs of one org costs one.
   */
  private checkSavedMerges (session: Session, effective: Session, refuse: (reason: string) => GatehouseError): void {
    const contexts = new Set<string | undefined>()
    for (const apiId of Object.keys(effective.access_rights)) contexts.add(this.options.apiOrgOf(apiId))
    if (contexts.size === 0) contexts.add(undefined)
    for (const apiOrgId of contexts) this.mergeOr(session, apiOrgId, refuse)
  }

  /** Trial keys (spec 2.6.6): a new key of a policy with key_expires_in expires that much later. */
  private withTrialPeriod (session: Session, nowMs: number): Session {
    let out = session
    for (const id of policyIdsOf(session)) {
      const policy = this.options.policyLookup(session.org_id, id)
      if (policy === undefined) continue
      if (policy.key_expires_in > 0) out = { ...out, expires: Math.floor(nowMs / 1000) + policy.key_expires_in }
      if (policy.post_expiry_action !== '') out = { ...out, post_expiry_action: policy.post_expiry_action }
      if (policy.post_expiry_grace_period !== 0) out = { ...out, post_expiry_grace_period: policy.post_expiry_grace_period }
    }
    return out
  }

  private async idsOfOrgPrefix (filter: string): Promise<string[]> {
    const { store } = this.options
    const plain = await store.listSessionIds(filter)
    if (filter === '') return plain
    const wrapped = await store.listSessionIds(encodedOrgPrefix(filter))
    return [...new Set([...plain, ...wrapped])]
  }
}

/**
 * New-format tokens of an org start with the Base64 of `{"org":"<org>"` minus its last two
 * characters (they depend on what follows).
 */
function encodedOrgPrefix (orgId: string): string {
  return Buffer.from(`{"org":"${orgId}"`).toString('base64').slice(0, -2)
}

function unixSeconds (nowMs: number): string {
  return String(Math.floor(nowMs / 1000))
}

function stampCreated (session: Session, nowMs: number): Session {
  return { ...session, last_updated: unixSeconds(nowMs), date_created: new Date(nowMs).toISOString() }
}

/** A new quota window starts now (spec 2.6.2); the live counters are reset by the caller. */
function resetQuotaWindow (session: Session, nowMs: number): Session {
  return { ...session, quota_renews: Math.floor(nowMs / 1000) + session.quota_renewal_rate }
}

function withHash (name: KeyName, action: ModifyResult['action'], hashed: boolean): ModifyResult {
  return hashed ? { key: name.name, action, key_hash: name.id } : { key: name.name, action }
}

/**
 * Passwords are never stored in clear. Tyk's default is bcrypt; we use its `sha256` hash type
 * (one Tyk reads too) to avoid a native dependency. A body without a password keeps the old one.
 */
function hashBasicAuthPassword (session: Session, previous: Session | undefined): Session {
  const password = session.basic_auth_data.password ?? ''
  if (password === '') {
    return previous === undefined ? session : { ...session, basic_auth_data: { ...session.basic_auth_data, password: previous.basic_auth_data.password, hash_type: previous.basic_auth_data.hash_type } }
  }
  if (previous !== undefined && password === previous.basic_auth_data.password) return session
  return { ...session, basic_auth_data: { ...session.basic_auth_data, password: sha256Hex(password), hash_type: 'sha256' } }
}
