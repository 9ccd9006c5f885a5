import { parsePolicy } from '../core/parse-policy.js'
import { GatehouseError } from '../model/errors.js'
import { POLICY_ID_PATTERN, type Policy } from '../model/policy.js'
import type { Bus, PolicyWrites } from '../store/ports.js'
import { PolicyFolderUnusableError } from '../store/files/policy-folder.js'
import type { PolicyRegistry } from './policy-registry.js'

export interface PolicyServiceOptions {
  readonly registry: PolicyRegistry
  readonly writes: PolicyWrites
  readonly bus: Bus
  /** Tyk refuses API writes when policies come from the Dashboard ("service"). */
  readonly sourceIsService: boolean
}

const OBJECT_ID = /^[0-9a-fA-F]{24}$/

/**
 * The policy routes of Tyk's management API (spec 3.1). Unlike Tyk, a write is live at once:
 * the registry changes and every node drops the sessions merged with the old policy.
 */
export class PolicyService {
  constructor (private readonly options: PolicyServiceOptions) {}

  list (): Policy[] {
    return this.options.registry.all()
  }

  get (id: string): Policy {
    const policy = this.options.registry.get(id)
    if (policy === undefined) throw new GatehouseError('POLICY_NOT_FOUND')
    return policy
  }

  async create (body: unknown): Promise<string> {
    const policy = this.validate(body)
    await this.write(policy)
    return policy.id
  }

  async update (id: string, body: unknown): Promise<string> {
    const policy = this.validate(body, id)
    await this.write(policy)
    return policy.id
  }

  /** A policy body checked as PUT checks it, without saving (preview); a body without id takes `id`. */
  candidate (id: string, body: unknown): Policy {
    const withId = typeof body === 'object' && body !== null && !Array.isArray(body) && ((body as { id?: unknown }).id ?? '') === '' ? { ...body, id } : body
    return this.check(withId, id)
  }

  async delete (id: string): Promise<void> {
    let deleted: boolean
    try {
      deleted = await this.options.writes.delete(id)
    } catch (err) {
      throw new GatehouseError(err instanceof PolicyFolderUnusableError ? 'POLICY_STORAGE_UNUSABLE' : 'DELETE_FAILED', { cause: err })
    }
    // Tyk answers a missing policy file with a 500; a policy loaded from policies.json cannot
    // be deleted through the API either (Tyk never writes that file).
    if (!deleted) throw new GatehouseError('DELETE_FAILED', { detail: `no policy ${id} was written through the API` })
    this.options.registry.remove(id)
    await this.options.bus.publish({ kind: 'policy', id })
  }

  /** Tyk's checks, in Tyk's order: decodable, id characters, id match on update, some id. */
  private validate (body: unknown, urlId?: string): Policy {
    if (this.options.sourceIsService) throw new GatehouseError('POLICY_SOURCE_IS_SERVICE')
    return this.check(body, urlId)
  }

  private check (body: unknown, urlId?: string): Policy {
    const parsed = parsePolicy(body)
    if (!parsed.ok) throw new GatehouseError('REQUEST_MALFORMED', { detail: parsed.problem })
    let policy = parsed.policy
    if (policy._id !== '' && !OBJECT_ID.test(policy._id)) {
      throw new GatehouseError('REQUEST_MALFORMED', { detail: '_id must be a 24-character hex object id' })
    }
    if (!POLICY_ID_PATTERN.test(policy.id)) throw new GatehouseError('POLICY_ID_INVALID')
    if (urlId !== undefined && policy.id !== urlId) throw new GatehouseError('POLICY_ID_MISMATCH')
    if (policy.id === '') {
      if (policy._id === '') throw new GatehouseError('POLICY_ID_MISSING')
      policy = { ...policy, id: policy._id }
    }
    return policy
  }

  private async write (policy: Policy): Promise<void> {
    try {
      await this.options.writes.put(policy)
    } catch (err) {
      throw new GatehouseError(err instanceof PolicyFolderUnusableError ? 'POLICY_STORAGE_UNUSABLE' : 'POLICY_WRITE_FAILED', { cause: err })
    }
    this.options.registry.upsert(policy)
    await this.options.bus.publish({ kind: 'policy', id: policy.id })
  }
}
