import { NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../model/analytics-record.js'

/** One hit's values, as HitBatch.add takes them. */
export interface HitValues {
  readonly nowMs: number
  readonly status: number
  readonly totalMs: number
  readonly upstreamMs: number
  readonly method: string
  readonly rawPath: string
  readonly host: string
  readonly userAgent: string
  readonly contentLength: number
  readonly clientIp: string
  readonly apiKey: string
  readonly apiId: string
  readonly orgId: string
  readonly apiName: string
  readonly apiVersion: string
  readonly alias: string
  readonly oauthId: string
  readonly keyTags: readonly string[]
  readonly apiTags: readonly string[]
  /** when the record may be deleted: recording time + the API's or org's retention */
  readonly expireAtMs: number
}

/** refs 0..11 are strings, 12 and 13 tag lists */
const STRING_FIELDS = REFS_PER_HIT - 2

/**
 * Analytics hits as columns (layout: HitColumns), filled on the request path and handed to the
 * analytics writer whole. A hit costs a few typed-array stores and string lookups: no object kept
 * per request, nothing for the GC, and the store writes three buffers as they are. The stores in add() are written out one by one on purpose: a loop over
 * the values would need an array per request.
 */
export class HitBatch {
  private readonly numbers: Float64Array
  private readonly status: Uint16Array
  private readonly refs: Uint16Array
  private readonly strings: string[] = []
  private readonly stringIds = new Map<string, number>()
  private readonly lists: Array<readonly string[]> = []
  /** tag lists are frozen and cached per session and API: the same array object comes again */
  private readonly listIds = new Map<readonly string[], number>()
  /** per string field, the last value and its id: most hits repeat their neighbour's method, API, key... */
  private readonly lastValues: string[] = new Array<string>(STRING_FIELDS).fill('')
  private readonly lastIds = new Int32Array(STRING_FIELDS).fill(-1)
  count = 0

  /** `capacity` hits at most: 14 refs each stay below 65,536 distinct values */
  constructor (readonly capacity: number) {
    this.numbers = new Float64Array(capacity * NUMBERS_PER_HIT)
    this.status = new Uint16Array(capacity)
    this.refs = new Uint16Array(capacity * REFS_PER_HIT)
  }

  get full (): boolean {
    return this.count >= this.capacity
  }

  /** Adds one hit; the caller hands the batch off once it is full. */
  add (hit: HitValues): void {
    const i = this.count++
    const n = i * NUMBERS_PER_HIT
    this.numbers[n] = hit.nowMs
    this.numbers[n + 1] = hit.totalMs
    this.numbers[n + 2] = hit.upstreamMs
    this.numbers[n + 3] = hit.contentLength
    this.numbers[n + 4] = hit.expireAtMs
    this.status[i] = hit.status
    const r = i * REFS_PER_HIT
    const refs = this.refs
    refs[r] = this.ref(0, hit.method)
    refs[r + 1] = this.ref(1, hit.rawPath)
    refs[r + 2] = this.ref(2, hit.host)
    refs[r + 3] = this.ref(3, hit.userAgent)
    refs[r + 4] = this.ref(4, hit.clientIp)
    refs[r + 5] = this.ref(5, hit.apiKey)
    refs[r + 6] = this.ref(6, hit.apiId)
    refs[r + 7] = this.ref(7, hit.orgId)
    refs[r + 8] = this.ref(8, hit.apiName)
    refs[r + 9] = this.ref(9, hit.apiVersion)
    refs[r + 10] = this.ref(10, hit.alias)
    refs[r + 11] = this.ref(11, hit.oauthId)
    refs[r + 12] = this.listId(hit.keyTags)
    refs[r + 13] = this.listId(hit.apiTags)
  }

  /** The columns to hand off (their buffers may be transferred: the batch is done with). */
  columns (): HitColumns {
    return { count: this.count, numbers: this.numbers, status: this.status, refs: this.refs, strings: this.strings, lists: this.lists }
  }

  private ref (field: number, value: string): number {
    if (value === this.lastValues[field]) {
      const id = this.lastIds[field] ?? -1
      if (id !== -1) return id
    }
    const id = this.stringId(value)
    this.lastValues[field] = value
    this.lastIds[field] = id
    return id
  }

  private stringId (value: string): number {
    let id = this.stringIds.get(value)
    if (id === undefined) {
      id = this.strings.length
      this.strings.push(value)
      this.stringIds.set(value, id)
    }
    return id
  }

  private listId (value: readonly string[]): number {
    let id = this.listIds.get(value)
    if (id === undefined) {
      id = this.lists.length
      this.lists.push(value)
      this.listIds.set(value, id)
    }
    return id
  }
}
