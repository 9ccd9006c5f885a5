import { readFile } from 'node:fs/promises'
import { parsePolicy } from '../core/parse-policy.js'
import { parseJson } from '../core/parse-json.js'
import type { Policy } from '../model/policy.js'
import { readJsonFiles, type WarnLog } from '../store/files/read-json-files.js'

export interface PolicySource {
  /** Tyk 5's folder of one-policy-per-file `<id>.json`; wins over the record file. */
  readonly policyPath: string
  /** Tyk's single JSON object keyed by policy id (policies.json). */
  readonly policyRecordName: string
}

/** The record file is missing or unreadable: the caller keeps its previous policies. */
export class PolicySourceError extends Error {}

const OBJECT_ID = /^[0-9a-fA-F]{24}$/

/**
 * Loads policies the way Tyk's file source does (spec management-api 3.3). A bad entry or file
 * is skipped with one warning and never takes the others down. Ids are not checked against
 * Tyk's write-API character set here: Tyk loads any id from files, and so do we.
 */
export async function loadPolicyFiles (source: PolicySource, log: WarnLog): Promise<Policy[]> {
  if (source.policyPath !== '') return await loadFolder(source.policyPath, log)
  if (source.policyRecordName !== '') return await loadRecord(source.policyRecordName, log)
  return []
}

async function loadRecord (file: string, log: WarnLog): Promise<Policy[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new PolicySourceError(`policies: cannot load ${file}: ${(err as Error).message}`, { cause: err })
  }
  const parsed = parseJson(text)
  if (!parsed.ok) throw new PolicySourceError(`policies: cannot load ${file}: ${parsed.problem}`)
  const record = parsed.value
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new PolicySourceError(`policies: ${file} must hold a JSON object keyed by policy id`)
  }
  const policies: Policy[] = []
  for (const [mapKey, value] of Object.entries(record)) {
    const parsed = parsePolicy(value)
    if (!parsed.ok) {
      log.warn({ file, policy: mapKey }, `policy "${mapKey}" in ${file} skipped: ${parsed.problem}`)
      continue
    }
    // The map key is the id; the inner id only counts when the key is empty.
    const id = mapKey !== '' ? mapKey : idOf(parsed.policy)
    if (id === '') continue
    policies.push({ ...parsed.policy, id })
  }
  return policies
}

async function loadFolder (folder: string, log: WarnLog): Promise<Policy[]> {
  let files: Awaited<ReturnType<typeof readJsonFiles>>
  try {
    files = await readJsonFiles(folder, 'policy file', log)
  } catch (err) {
    throw new PolicySourceError(`policies: cannot read the folder ${folder}: ${(err as Error).message}`, { cause: err })
  }
  const policies: Policy[] = []
  for (const { file, value } of files) {
    const parsed = parsePolicy(value)
    if (!parsed.ok) {
      log.warn({ file }, `policy file ${file} skipped: ${parsed.problem}`)
      continue
    }
    const id = idOf(parsed.policy)
    if (id === '') {
      log.warn({ file }, `policy file ${file} skipped: it has neither an id nor a valid _id`)
      continue
    }
    policies.push({ ...parsed.policy, id })
  }
  return policies
}

/** `id`, else a 24-hex `_id` (a database object id), else ''. */
function idOf (policy: Policy): string {
  if (policy.id !== '') return policy.id
  return OBJECT_ID.test(policy._id) ? policy._id : ''
}
