import { readFile } from 'node:fs/promises'
import { parsePolicy } from '../core/parse-policy.js'
import { parseJson } from '../core/parse-json.js'
import type { Policy } from '../model/policy.js'
import { readJsonFiles, type JsonFiles, type WarnLog } from '../store/files/read-json-files.js'

export interface PolicySource {
  /** Tyk 5's folder of one-policy-per-file `<id>.json`; wins over the record file. */
  readonly policyPath: string
  /** Tyk's single JSON object keyed by policy id (policies.json). */
  readonly policyRecordName: string
}

/** The record file is missing, unreadable or not JSON: the caller decides what stays live. */
export class PolicySourceError extends Error {}

export interface LoadedPolicies {
  readonly policies: Policy[]
  /** one line per entry or file skipped, naming it and why (also logged) */
  readonly skipped: readonly string[]
}

const OBJECT_ID = /^[0-9a-fA-F]{24}$/

/**
 * Loads policies the way Tyk's file source does (spec management-api 3.3). A bad entry or file
 * is skipped with one warning and never takes the others down. Ids are not checked against
 * Tyk's write-API character set here: Tyk loads any id from files, and so do we.
 */
export async function loadPolicyFiles (source: PolicySource, log: WarnLog): Promise<LoadedPolicies> {
  if (source.policyPath !== '') return await loadFolder(source.policyPath, log)
  if (source.policyRecordName !== '') return await loadRecord(source.policyRecordName, log)
  return { policies: [], skipped: [] }
}

async function loadRecord (file: string, log: WarnLog): Promise<LoadedPolicies> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new PolicySourceError(`policies: cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  const parsed = parseJson(text)
  if (!parsed.ok) {
    throw new PolicySourceError(parsed.syntaxError === undefined
      ? `policies: ${file}: ${parsed.problem}`
      : `policies: ${file} is not valid JSON${parsed.position === undefined ? '' : ` at ${parsed.position}`}: ${parsed.syntaxError}`)
  }
  const record = parsed.value
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new PolicySourceError(`policies: ${file} must hold a JSON object keyed by policy id`)
  }
  const policies: Policy[] = []
  const skipped: string[] = []
  for (const [mapKey, value] of Object.entries(record)) {
    const parsed = parsePolicy(value)
    if (!parsed.ok) {
      const line = `policy "${mapKey}" in ${file} skipped: ${parsed.problem}`
      log.warn({ file, policy: mapKey }, line)
      skipped.push(line)
      continue
    }
    // The map key is the id; the inner id only counts when the key is empty.
    const id = mapKey !== '' ? mapKey : idOf(parsed.policy)
    if (id === '') continue
    policies.push({ ...parsed.policy, id })
  }
  return { policies, skipped }
}

async function loadFolder (folder: string, log: WarnLog): Promise<LoadedPolicies> {
  let read: JsonFiles
  try {
    read = await readJsonFiles(folder, 'policy file', log)
  } catch (err) {
    throw new PolicySourceError(`policies: cannot read the folder ${folder}: ${(err as Error).message}`, { cause: err })
  }
  const policies: Policy[] = []
  const skipped = [...read.skipped]
  const skip = (file: string, problem: string): void => {
    const line = `policy file ${file} skipped: ${problem}`
    log.warn({ file }, line)
    skipped.push(line)
  }
  for (const { file, value } of read.files) {
    const parsed = parsePolicy(value)
    if (!parsed.ok) {
      skip(file, parsed.problem)
      continue
    }
    const id = idOf(parsed.policy)
    if (id === '') {
      skip(file, 'it has neither an id nor a valid _id')
      continue
    }
    policies.push({ ...parsed.policy, id })
  }
  return { policies, skipped }
}

/** `id`, else a 24-hex `_id` (a database object id), else ''. */
function idOf (policy: Policy): string {
  if (policy.id !== '') return policy.id
  return OBJECT_ID.test(policy._id) ? policy._id : ''
}
