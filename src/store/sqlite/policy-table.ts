import type { Policy } from '../../model/policy.js'
import type { PolicyWrites, Store } from '../ports.js'

/** API-written policies kept in the store, when there is no policy_path folder to write to. */
export class PolicyTable implements PolicyWrites {
  constructor (private readonly store: Store) {}

  list (): Policy[] | Promise<Policy[]> {
    return this.store.listPolicies()
  }

  put (policy: Policy): Promise<void> {
    return this.store.putPolicy(policy)
  }

  delete (id: string): Promise<boolean> {
    return this.store.deletePolicy(id)
  }
}
