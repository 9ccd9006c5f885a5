import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergePolicies, PolicyMergeError, type PolicyLookup } from '../../src/core/policy-merge.js'
import type { ApiLimit, Session } from '../../src/model/session.js'
import { aPolicy, aSession, lookupOf } from '../helpers/builders.js'

/*
 * The behaviour Tyk's own policy tests pin down, restated as rows against our mergePolicies.
 * Sources (TykTechnologies/tyk): internal/policy/apply_test.go with testdata/policies.json and
 * testdata/apply_endpoint_rl.json, internal/policy/util_test.go, gateway/policy_test.go and
 * tests/policy/allowed_urls_test.go. Each row names the Tyk case it mirrors; a row where we
 * still differ from Tyk keeps Tyk's expectation and is marked todo.
 */

const ORG = 'default'

type Fields = Record<string, unknown>
type Part = 'acl' | 'quota' | 'rate_limit' | 'complexity' | 'per_api'

/** A policy of ORG: the partitions named are on, `apis` are its access rights. */
function pol (id: string, parts: Part[], apis: Record<string, Fields>, fields: Fields = {}): Fields {
  return { id, org_id: ORG, partitions: Object.fromEntries(parts.map((part) => [part, true])), access_rights: apis, ...fields }
}

/** Access rights with nothing but the grant. */
const grant = (...apis: string[]): Record<string, Fields> => Object.fromEntries(apis.map((api) => [api, {}]))

/** A limit in the order Tyk's tests write it. */
const lim = (rate: number, per: number, quotaMax = 0, quotaRenewalRate = 0): Fields =>
  ({ rate, per, quota_max: quotaMax, quota_renewal_rate: quotaRenewalRate })

const url = (path: string, ...methods: string[]): { url: string, methods: string[] } => ({ url: path, methods })

/** Endpoint rate limits from 'METHOD /path rate[/per]' strings, one method per entry. */
function eps (...specs: string[]): Fields[] {
  return specs.map((spec) => {
    const [name = '', path = '', limit = ''] = spec.split(' ')
    const [rate, per] = limit.split('/').map(Number)
    return { path, methods: [{ name, limit: per === undefined ? { rate } : { rate, per } }] }
  })
}

interface EndpointJson { path?: string, methods?: Array<{ name?: string, limit?: { rate?: number, per?: number } }> }

/** Endpoints as sorted 'METHOD /path rate/per' lines: Tyk compares them in any order and grouping. */
function flatEndpoints (list: unknown): string[] {
  return ((list ?? []) as EndpointJson[])
    .flatMap((endpoint) => (endpoint.methods ?? []).map((method) =>
      `${method.name ?? ''} ${endpoint.path ?? ''} ${method.limit?.rate ?? 0}/${method.limit?.per ?? 0}`))
    .sort()
}

const LIMIT_FIELDS = ['rate', 'per', 'quota_max', 'quota_renewal_rate', 'throttle_interval', 'throttle_retry_limit', 'max_query_depth'] as const

/** The configured part of a per-API limit, zeros filled in (runtime counters left out). */
function limitView (limit: ApiLimit | Fields | undefined): Record<string, unknown> {
  const source: Fields = limit ?? {}
  return Object.fromEntries(LIMIT_FIELDS.map((field) => [field, source[field] ?? 0]))
}

/** What a row expects of one API's access right; only the properties named are checked. */
interface RightWant {
  /** compared in full: a limit field not named must be 0 (Tyk's `APILimit{}` is `{}`) */
  limit?: Fields
  /** '' = no separate counter */
  scope?: string
  urls?: Array<{ url: string, methods: string[] }>
  introspectionOff?: boolean
  /** 'METHOD /path rate[/per]', any order */
  endpoints?: string[]
}

interface Row {
  name: string
  apply: string[]
  /** extra policies for this row; they shadow catalogue entries of the same org and id */
  policies?: Fields[]
  /** fields of the key besides org_id = ORG and apply_policies */
  key?: Fields
  /** org of the API in context: ORG unless given; null = no API (a context-free merge) */
  apiOrgId?: string | null
  /** the merge must throw a PolicyMergeError containing this */
  error?: string
  /** root fields of the merged session */
  session?: Fields
  /** exactly these APIs are granted */
  apis?: string[]
  rights?: Record<string, RightWant>
  check?: (merged: Session, lookup: PolicyLookup) => void
  todo?: string
}

/* Tyk's testdata/policies.json, restated. Ids are the names Tyk's rows apply, except where Tyk
 * gives a policy a different inner id that its expectations use (p1, p2, p3). */
const CATALOGUE: Fields[] = [
  pol('p1', [], grant('a')),
  pol('p2', [], grant('b')),
  pol('p3', [], grant('a', 'b')),
  pol('difforg', [], {}, { org_id: 'different' }),
  pol('quota1', ['acl', 'quota'], grant('a'), { quota_max: 2 }),
  pol('quota2', ['acl', 'quota'], grant('a'), { quota_max: 3 }),
  pol('quota3', ['acl', 'quota'], grant('a'), { quota_max: 3 }),
  pol('quota4', ['quota'], grant('b'), { quota_max: 3 }),
  pol('quota5', ['acl', 'quota'], grant('b'), { quota_max: 4 }),
  pol('unlimited-quota', ['acl', 'quota'], grant('a'), { quota_max: -1 }),
  pol('unlimited-rate', ['acl', 'rate_limit'], grant('a'), { rate: -1 }),
  pol('rate1', ['acl', 'rate_limit'], grant('a'), { rate: 3, per: 1 }),
  pol('rate2', ['acl', 'rate_limit'], grant('a'), { rate: 4, per: 1 }),
  pol('rate3', ['acl', 'rate_limit'], {}, { rate: 4, per: 4 }),
  pol('rate4', ['acl', 'rate_limit'], grant('a'), { rate: 8, per: 1 }),
  pol('rate5', ['acl', 'rate_limit'], grant('a'), { rate: 10, per: 1 }),
  pol('rate-no-partition', [], grant('a'), { rate: 12, per: 1 }),
  pol('rate-for-a', ['rate_limit'], grant('a'), { rate: 4, per: 1 }),
  pol('rate-for-b', ['rate_limit'], grant('b'), { rate: 2, per: 1 }),
  pol('rate-for-a-b', ['rate_limit'], grant('a', 'b'), { rate: 4, per: 1 }),
  pol('unlimitedComplexity', ['acl', 'complexity'], grant('a'), { max_query_depth: -1 }),
  pol('complexity1', ['acl', 'complexity'], grant('a'), { max_query_depth: 2 }),
  pol('complexity2', ['acl', 'complexity'], grant('a'), { max_query_depth: 3 }),
  pol('acl1', ['acl'], grant('a')),
  pol('acl2', ['acl'], grant('b')),
  pol('acl-for-a-b', ['acl'], grant('a', 'b')),
  pol('inactive1', ['acl', 'rate_limit'], grant('a'), { is_inactive: true }),
  pol('inactive2', ['acl', 'quota'], grant('a'), { is_inactive: true }),
  pol('tags1', ['acl', 'quota'], grant('a'), { tags: ['tagA'] }),
  pol('tags2', ['acl', 'rate_limit'], grant('a'), { tags: ['tagX', 'tagY'] }),
  pol('throttle1', [], grant('a'), { throttle_interval: 9, throttle_retry_limit: 99 }),
  pol('per-path1', [], { a: { allowed_urls: [url('/user', 'GET', 'POST')] }, b: { allowed_urls: [url('/', 'PUT')] } }),
  pol('per-path2', [], { a: { allowed_urls: [url('/user', 'GET'), url('/companies', 'GET', 'POST')] } }),
  pol('introspection-disabled', [], { a: { limit: {}, disable_introspection: true } }),
  pol('introspection-enabled', [], grant('a')),
  pol('per_api_and_partitions', ['per_api', 'quota', 'rate_limit', 'acl'], { d: { limit: lim(20, 1, 1000, 3600) } }),
  pol('per_api_and_some_partitions', ['per_api', 'rate_limit'], { d: { limit: lim(20, 1, 1000, 3600) } }),
  pol('per_api_and_no_other_partitions', ['per_api'], { c: { limit: lim(2000, 60, -1) }, d: { limit: lim(20, 1, 1000, 3600) } }),
  pol('per_api_with_limit_set_from_policy', ['per_api'], { d: { limit: lim(200, 10, 5000, 3600) }, e: {} }, { rate: 300, per: 1, quota_max: -1 }),
  pol('per_api_with_api_d', ['per_api'], { d: { limit: lim(200, 10, 5000, 3600) } }),
  pol('per_api_with_higher_rate_on_api_d', ['per_api'], { d: { limit: lim(400, 25, 5000, 3600) } }),
  pol('per_api_with_api_c', ['per_api'], { c: { limit: lim(3000, 10, 6000, 3600) } }),
  pol('per_api_with_endpoint_limits_on_d_and_e', ['per_api'], {
    d: { limit: lim(100, 10), endpoints: eps('GET /get -1', 'POST /post 300/10') },
    e: { endpoints: eps('GET /get -1', 'POST /post 300/10') }
  }, { rate: 500, per: 1, quota_max: -1 }),
  pol('per_endpoint_limits_different_on_api_d', ['per_api'], {
    d: { limit: lim(100, 10), endpoints: eps('GET /get -1', 'POST /post 400/11', 'PUT /anything 500/10') }
  }, { rate: 500, per: 1, quota_max: -1 }),
  pol('endpoint_rate_limits_on_acl_partition_only', ['acl'], { d: { endpoints: eps('GET /get -1') } }, { rate: 500, per: 1, quota_max: -1 }),
  pol('endpoint_rate_limits_on_quota_partition_only', ['quota'], {}, { quota_max: 1000 }),
  // four policies, all three partitions on, each with one endpoint limit on API d (or e)
  ...([['d_get_1', 'd', 'GET /get 10/60'], ['d_get_2', 'd', 'GET /get 20/60'], ['d_get_3', 'd', 'GET /get -1'],
    ['d_post_1', 'd', 'POST /post 20/60'], ['e_get_1', 'e', 'GET /get 100/60']] as const)
    .map(([id, api, endpoint]) => pol(id, ['acl', 'rate_limit', 'quota'], { [api]: { endpoints: eps(endpoint) } }, { rate: 500, per: 1, quota_max: -1 }))
]

const sortedTags = (want: string[]) => (merged: Session): void => assert.deepEqual([...merged.tags].sort(), want)

/** Two policies on API a: the first leaves a limit on a, the second is Tyk's `policy` argument. */
const onA = (id: string, rate: number, per: number): Fields => pol(id, [], grant('a'), { rate, per })

/** Endpoint merge (Tyk's ApplyEndpointLevelLimits table): `current` from a first policy on a, `incoming` from a second. */
function endpointMergeRow (name: string, incoming: string[], current: string[], want: string[]): Row {
  const withEndpoints = (id: string, list: string[]): Fields =>
    pol(id, [], { a: list.length === 0 ? {} : { endpoints: eps(...list) } })
  return {
    name: `tyk: ApplyEndpointLevelLimits "${name}"`,
    policies: [withEndpoints('ep-current', current), withEndpoints('ep-incoming', incoming)],
    apply: ['ep-current', 'ep-incoming'],
    rights: { a: { endpoints: want } },
  }
}

const ROWS: Row[] = [
  // --- internal/policy/apply_test.go, TestService_Apply (testPrepareApplyPolicies) ---
  { name: 'tyk: Empty — no policies, no error', apply: [] },
  { name: 'tyk: Single — one plain policy applies', apply: ['p1'] },
  { name: 'tyk: Missing — the only policy is unknown', apply: ['nonexistent'], error: 'not found' },
  { name: 'tyk: DiffOrg — a policy of another org than the API', apply: ['difforg'], key: { org_id: 'different' }, error: 'different org' },
  {
    name: 'tyk: MultiNonPart — two plain policies on different APIs get a counter each; a missing third is skipped',
    apply: ['p1', 'p2', 'nonexistent'],
    apis: ['a', 'b'],
    rights: { a: { limit: {}, scope: 'p1' }, b: { limit: {}, scope: 'p2' } }
  },
  {
    name: 'tyk: MultiACLPolicy — one policy on two APIs shares the key counter',
    apply: ['p3'],
    apis: ['a', 'b'],
    rights: { a: { limit: {}, scope: '' }, b: { limit: {}, scope: '' } }
  },
  { name: 'tyk: QuotaPart with unlimited — quota -1', apply: ['unlimited-quota'], session: { quota_max: -1 } },
  { name: 'tyk: QuotaPart — quota from the quota partition', apply: ['quota1'], session: { quota_max: 2 } },
  { name: 'tyk: QuotaParts — the bigger quota wins', apply: ['quota1', 'quota2'], session: { quota_max: 3 } },
  { name: 'tyk: QuotaParts with acl — bigger quota wins whichever policy grants the API', apply: ['quota5', 'quota4'], session: { quota_max: 4 } },
  { name: 'tyk: QuotaPart with access rights', apply: ['quota3'], session: { quota_max: 3 } },
  {
    name: 'tyk: QuotaPart with access rights in multi-policy — quota-only API is not granted',
    apply: ['quota4', 'p1'],
    session: { quota_max: 3 },
    apis: ['a'],
    rights: { a: { limit: {}, scope: '' } }
  },
  {
    name: 'tyk: RatePart with unlimited — rate -1 without per leaves no rate',
    apply: ['unlimited-rate'],
    check: (merged) => assert.ok(merged.rate <= 0, `rate ${merged.rate}`)
  },
  { name: 'tyk: RatePart — rate from the rate partition', apply: ['rate1'], session: { rate: 3 } },
  { name: 'tyk: RateParts — the higher rate wins', apply: ['rate1', 'rate2'], session: { rate: 4 } },
  { name: 'tyk: RateParts with acl — higher rate wins, first order', apply: ['rate5', 'rate4'], session: { rate: 10 } },
  {
    name: 'tyk: RateParts with acl respected by session — the key\'s own higher rate is cleared',
    apply: ['rate4', 'rate5'],
    key: { rate: 20 },
    session: { rate: 10 }
  },
  {
    name: 'tyk: Rate with no partition respected by session — the key\'s own rate is cleared',
    apply: ['rate-no-partition'],
    key: { rate: 20 },
    session: { rate: 12 }
  },
  { name: 'tyk: ComplexityPart with unlimited — depth -1', apply: ['unlimitedComplexity'], session: { max_query_depth: -1 } },
  { name: 'tyk: ComplexityPart — depth from the complexity partition', apply: ['complexity1'], session: { max_query_depth: 2 } },
  { name: 'tyk: ComplexityParts — the bigger depth wins', apply: ['complexity1', 'complexity2'], session: { max_query_depth: 3 } },
  { name: 'tyk: AclPart — one ACL policy', apply: ['acl1'], apis: ['a'], rights: { a: { limit: {}, scope: '' } } },
  {
    // Tyk's data gives acl1/acl2 no id, so no scope appears there; with ids a scope per policy
    // follows (as MultiNonPart shows), so only the grants and limits are compared here.
    name: 'tyk: AclPart — two ACL policies grant both APIs',
    apply: ['acl1', 'acl2'],
    apis: ['a', 'b'],
    rights: { a: { limit: {} }, b: { limit: {} } }
  },
  {
    name: 'tyk: Acl for a and rate for a,b — only the ACL\'d API, with the rate',
    apply: ['acl1', 'rate-for-a-b'],
    apis: ['a'],
    rights: { a: { limit: lim(4, 1), scope: '' } }
  },
  {
    name: 'tyk: Acl for a,b and individual rate for a,b',
    apply: ['acl-for-a-b', 'rate-for-a', 'rate-for-b'],
    apis: ['a', 'b'],
    rights: { a: { limit: lim(4, 1), scope: '' }, b: { limit: lim(2, 1), scope: '' } }
  },
  {
    name: 'tyk: RightsUpdate — the policy\'s grants replace the key\'s own',
    apply: ['acl-for-a-b'],
    key: { access_rights: { c: {} } },
    apis: ['a', 'b'],
    rights: { a: { limit: {} }, b: { limit: {} } }
  },
  { name: 'tyk: InactiveNoPolicies — without policies the key keeps its flag', apply: [], key: { is_inactive: true }, session: { is_inactive: true } },
  { name: 'tyk: InactiveMergeOne — one inactive policy makes the key inactive', apply: ['tags1', 'inactive1'], session: { is_inactive: true } },
  { name: 'tyk: InactiveMergeAll — all policies inactive', apply: ['inactive1', 'inactive2'], session: { is_inactive: true } },
  { name: 'tyk: InactiveWithSession — active policies override the key\'s flag', apply: ['tags1', 'tags2'], key: { is_inactive: true }, session: { is_inactive: false } },
  {
    name: 'tyk: Per API is set with other partitions to true',
    apply: ['per_api_and_partitions'],
    error: 'cannot apply policy per_api_and_partitions which has per_api and any of partitions set'
  },
  {
    name: 'tyk: Per API is set to true with some partitions set to true',
    apply: ['per_api_and_some_partitions'],
    error: 'cannot apply policy per_api_and_some_partitions which has per_api and any of partitions set'
  },
  {
    name: 'tyk: Per API is set to true with no other partitions — each API keeps its limit and counter',
    apply: ['per_api_and_no_other_partitions'],
    apis: ['c', 'd'],
    rights: { c: { limit: lim(2000, 60, -1), scope: 'c' }, d: { limit: lim(20, 1, 1000, 3600), scope: 'd' } }
  },
  {
    name: 'tyk: several per_api policies with a limit for the same API — most generous wins',
    apply: ['per_api_and_no_other_partitions', 'per_api_with_api_d'],
    apis: ['c', 'd'],
    rights: { c: { limit: lim(2000, 60, -1), scope: 'c' }, d: { limit: lim(200, 10, 5000, 3600), scope: 'd' } }
  },
  {
    name: 'tyk: several per_api policies for the same APIs — rate and quota merged field by field',
    apply: ['per_api_and_no_other_partitions', 'per_api_with_api_d', 'per_api_with_api_c'],
    apis: ['c', 'd'],
    rights: { c: { limit: lim(3000, 10, -1), scope: 'c' }, d: { limit: lim(200, 10, 5000, 3600), scope: 'd' } }
  },
  {
    name: 'tyk: per_api then partitioned policy is refused',
    apply: ['per_api_with_api_d', 'quota1'],
    error: 'cannot apply multiple policies when some have per_api set and some are partitioned'
  },
  {
    name: 'tyk: partitioned then per_api policy is refused',
    apply: ['rate1', 'per_api_with_api_d'],
    error: 'cannot apply multiple policies when some have per_api set and some are partitioned'
  },
  {
    name: 'tyk: Per API, an API without its own limit takes the policy\'s and the policy\'s counter',
    apply: ['per_api_with_limit_set_from_policy'],
    apis: ['d', 'e'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), scope: 'd' },
      e: { limit: lim(300, 1, -1), scope: 'per_api_with_limit_set_from_policy' }
    }
  },
  {
    name: 'tyk: Per API with limits override — a slower rate later does not lower it',
    apply: ['per_api_with_limit_set_from_policy', 'per_api_with_api_d', 'per_api_with_higher_rate_on_api_d'],
    apis: ['d', 'e'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), scope: 'd' },
      e: { limit: lim(300, 1, -1), scope: 'per_api_with_limit_set_from_policy' }
    }
  },
  {
    name: 'tyk: Merge per path rules for the same API — URLs and methods unioned, policies untouched',
    apply: ['per-path2', 'per-path1'],
    apis: ['a', 'b'],
    rights: {
      a: { limit: {}, scope: '', urls: [url('/user', 'GET', 'POST'), url('/companies', 'GET', 'POST')] },
      b: { limit: {}, scope: '', urls: [url('/', 'PUT')] }
    },
    check: (_merged, lookup) => assert.deepEqual(lookup(ORG, 'per-path2')?.access_rights?.a?.allowed_urls?.[0], url('/user', 'GET'))
  },
  {
    name: 'tyk: If GQL introspection is disabled, it remains disabled after merging',
    apply: ['introspection-disabled', 'introspection-enabled'],
    apis: ['a'],
    rights: { a: { limit: {}, scope: '', introspectionOff: true } }
  },
  { name: 'tyk: Throttle interval from policy', apply: ['throttle1'], session: { throttle_interval: 9 } },
  { name: 'tyk: Throttle retry limit from policy', apply: ['throttle1'], session: { throttle_retry_limit: 99 } },
  { name: 'tyk: TagMerge — policy and key tags unioned', apply: ['tags1', 'tags2'], key: { tags: ['key-tag'] }, check: sortedTags(['key-tag', 'tagA', 'tagX', 'tagY']) },
  { name: 'tyk: NonpartAndPart — plain and partitioned policies mix', apply: ['p1', 'quota1'] },
  { name: 'tyk: inherit quota and rate from partitioned policies', apply: ['quota1', 'rate3'], session: { quota_max: 2, rate: 4, per: 4 } },
  { name: 'tyk: inherit quota and rate from partitioned policies, other order', apply: ['rate3', 'quota1'], session: { quota_max: 2, rate: 4, per: 4 } },
  {
    name: 'tyk: Per API and per endpoint policies',
    apply: ['per_api_with_limit_set_from_policy', 'per_api_with_endpoint_limits_on_d_and_e'],
    apis: ['d', 'e'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), scope: 'd', endpoints: ['GET /get -1', 'POST /post 300/10'] },
      e: { limit: lim(500, 1, -1), scope: 'per_api_with_endpoint_limits_on_d_and_e', endpoints: ['GET /get -1', 'POST /post 300/10'] }
    }
  },
  {
    name: 'tyk: Per API and per endpoint policies, reversed',
    apply: ['per_api_with_endpoint_limits_on_d_and_e', 'per_api_with_limit_set_from_policy'],
    apis: ['d', 'e'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), scope: 'd', endpoints: ['GET /get -1', 'POST /post 300/10'] },
      e: { limit: lim(500, 1, -1), scope: 'per_api_with_endpoint_limits_on_d_and_e', endpoints: ['GET /get -1', 'POST /post 300/10'] }
    },
  },
  {
    name: 'tyk: Endpoint level limits overlapping',
    apply: ['per_api_with_limit_set_from_policy', 'per_api_with_endpoint_limits_on_d_and_e', 'per_endpoint_limits_different_on_api_d'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), endpoints: ['GET /get -1', 'POST /post 400/11', 'PUT /anything 500/10'] },
      e: { limit: lim(500, 1, -1), endpoints: ['GET /get -1', 'POST /post 300/10'] }
    }
  },
  {
    name: 'tyk: Endpoint level limits overlapping, reversed',
    apply: ['per_endpoint_limits_different_on_api_d', 'per_api_with_endpoint_limits_on_d_and_e', 'per_api_with_limit_set_from_policy'],
    rights: {
      d: { limit: lim(200, 10, 5000, 3600), endpoints: ['GET /get -1', 'POST /post 400/11', 'PUT /anything 500/10'] },
      e: { limit: lim(500, 1, -1), endpoints: ['GET /get -1', 'POST /post 300/10'] }
    },
  },
  {
    name: 'tyk: endpoint_rate_limits_on_acl_partition_only — an ACL-only policy brings no endpoint limits',
    apply: ['endpoint_rate_limits_on_acl_partition_only'],
    apis: ['d'],
    rights: { d: { endpoints: [] } }
  },
  {
    name: 'tyk: endpoint_rate_limits_when_acl_and_quota_partitions_combined',
    apply: ['endpoint_rate_limits_on_acl_partition_only', 'endpoint_rate_limits_on_quota_partition_only'],
    apis: ['d'],
    rights: { d: { endpoints: [] } }
  },
  {
    name: 'tyk: endpoint_rate_limits_when_acl_and_quota_partitions_combined, reversed',
    apply: ['endpoint_rate_limits_on_quota_partition_only', 'endpoint_rate_limits_on_acl_partition_only'],
    apis: ['d'],
    rights: { d: { endpoints: [] } }
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d — higher rate wins',
    apply: ['d_get_1', 'd_get_2'],
    rights: { d: { endpoints: ['GET /get 20/60'] } }
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d, reversed',
    apply: ['d_get_2', 'd_get_1'],
    rights: { d: { endpoints: ['GET /get 20/60'] } },
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d — no bound (-1) wins',
    apply: ['d_get_1', 'd_get_2', 'd_get_3'],
    rights: { d: { endpoints: ['GET /get -1'] } }
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d — no bound (-1) wins, reversed',
    apply: ['d_get_3', 'd_get_2', 'd_get_1'],
    rights: { d: { endpoints: ['GET /get -1'] } },
  },
  {
    name: 'tyk: combine non-partitioned policies with several endpoint limits on d',
    apply: ['d_get_1', 'd_get_2', 'd_get_3', 'd_post_1'],
    rights: { d: { endpoints: ['GET /get -1', 'POST /post 20/60'] } },
  },
  {
    name: 'tyk: combine non-partitioned policies with several endpoint limits on d, reversed',
    apply: ['d_post_1', 'd_get_3', 'd_get_2', 'd_get_1'],
    rights: { d: { endpoints: ['GET /get -1', 'POST /post 20/60'] } },
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d and e',
    apply: ['d_get_1', 'd_get_2', 'd_get_3', 'd_post_1', 'e_get_1'],
    rights: { d: { endpoints: ['GET /get -1', 'POST /post 20/60'] }, e: { endpoints: ['GET /get 100/60'] } },
  },
  {
    name: 'tyk: combine non-partitioned policies with endpoint limits on d and e, reversed',
    apply: ['e_get_1', 'd_post_1', 'd_get_3', 'd_get_2', 'd_get_1'],
    rights: { d: { endpoints: ['GET /get -1', 'POST /post 20/60'] }, e: { endpoints: ['GET /get 100/60'] } },
  },

  // --- internal/policy/apply_test.go, other tests ---
  {
    name: 'tyk: ApplyRateLimits_FromCustomPolicies — a rate-only partition still raises the rate',
    policies: [pol('pol1', ['rate_limit', 'acl'], grant('a'), { rate: 8, per: 1 }), pol('pol2', ['rate_limit'], grant('a'), { rate: 10, per: 1 })],
    apply: ['pol1', 'pol2'],
    apiOrgId: null,
    session: { rate: 10 }
  },
  ...[['pol1', 'pol2'], ['pol2', 'pol1']].map((order): Row => ({
    name: `tyk: ApplyACL_FromCustomPolicies — URLs from the ACL policy, rate from the rate policy (${order.join(' then ')})`,
    policies: [
      pol('pol1', ['rate_limit'], grant('a'), { rate: 8, per: 1 }),
      pol('pol2', ['acl'], { a: { allowed_urls: [url('/user', 'GET', 'POST'), url('/companies', 'GET', 'POST')] } }, { rate: 10, per: 1 })
    ],
    apply: order,
    apiOrgId: null,
    session: { rate: 8 },
    rights: { a: { urls: [url('/user', 'GET', 'POST'), url('/companies', 'GET', 'POST')] } }
  })),
  // Tyk calls ApplyRateLimits with a given API limit and session; here the "given" state comes
  // from earlier policies. Its session half cannot be reached where the root rate is below an API's.
  {
    name: 'tyk: ApplyRateLimits "policy limits unset" (via policies) — a policy without rate keeps the API\'s',
    policies: [onA('first', 10, 10), onA('no-rate', 0, 0)],
    apply: ['first', 'no-rate'],
    rights: { a: { limit: lim(10, 10) } }
  },
  {
    name: 'tyk: ApplyRateLimits "policy limits apply all" (via policies) — API and session raised',
    policies: [onA('slow', 5, 10), onA('fast', 10, 10)],
    apply: ['slow', 'fast'],
    session: { rate: 10, per: 10 },
    rights: { a: { limit: lim(10, 10) } }
  },
  {
    name: 'tyk: ApplyRateLimits "policy limits apply per-api" (via policies) — API raised, faster session kept',
    policies: [pol('elsewhere', [], grant('x'), { rate: 15, per: 10 }), onA('slow', 5, 10), onA('fast', 10, 10)],
    apply: ['elsewhere', 'slow', 'fast'],
    session: { rate: 15, per: 10 },
    rights: { a: { limit: lim(10, 10) } }
  },
  {
    name: 'tyk: ApplyRateLimits "policy limits skip" (via policies) — a slower policy does not lower the API',
    policies: [onA('fast', 15, 10), onA('slow', 10, 10)],
    apply: ['fast', 'slow'],
    rights: { a: { limit: lim(15, 10) } }
  },
  ...([
    ['a single policy sets both', [{ action: 'delete', grace: 3600 }], {}, 'delete', 3600],
    ['retain action propagated', [{ action: 'retain', grace: -1 }], {}, 'retain', -1],
    ['empty action does NOT overwrite', [{ action: '', grace: 7200 }], { post_expiry_action: 'delete' }, 'delete', 7200],
    ['zero grace does NOT overwrite', [{ action: 'retain', grace: 0 }], { post_expiry_grace_period: 3600 }, 'retain', 3600],
    ['two policies, last non-empty wins', [{ action: 'delete', grace: 0 }, { action: 'retain', grace: 0 }], {}, 'retain', 0],
    ['two policies, empty does not overwrite', [{ action: 'delete', grace: 0 }, { action: '', grace: 0 }], {}, 'delete', 0]
  ] as const).map(([name, specs, key, action, grace]): Row => {
    const policies = specs.map((spec, i) => pol(`expiry${i}`, [], { api1: { api_id: 'api1' } }, { post_expiry_action: spec.action, post_expiry_grace_period: spec.grace }))
    return {
      name: `tyk: Apply_PostExpiryPropagation "${name}"`,
      policies,
      apply: policies.map((policy) => String(policy.id)),
      key,
      session: { post_expiry_action: action, post_expiry_grace_period: grace }
    }
  }),

  // --- internal/policy/testdata/apply_endpoint_rl.json (ApplyEndpointLevelLimits) ---
  endpointMergeRow('both empty', [], [], []),
  endpointMergeRow('policy endpoints empty', [], ['GET /user 10/60'], ['GET /user 10/60']),
  endpointMergeRow('curr endpoints empty', ['GET /user 10/60'], [], ['GET /user 10/60']),
  endpointMergeRow('non overlapping endpoints', ['GET /user 10/60'], ['POST /admin 5/30'], ['GET /user 10/60', 'POST /admin 5/30']),
  endpointMergeRow('overlapping endpoints with different limits #1', ['GET /user 10/60'], ['GET /user 5/30'], ['GET /user 10/60']),
  endpointMergeRow('overlapping endpoints with different limits #2', ['GET /user 5/30'], ['GET /user 10/60'], ['GET /user 10/60']),
  endpointMergeRow('overlapping endpoints with same limits', ['GET /user 10/60'], ['GET /user 10/60'], ['GET /user 10/60']),

  // --- internal/policy/util_test.go ---
  {
    name: 'tyk: MergeAllowedURLs — three policies, URLs in first-seen order, methods unioned',
    policies: [
      pol('pol1', [], { a: { allowed_urls: [url('/user', 'GET'), url('/companies', 'GET')] } }),
      pol('pol2', [], { a: { allowed_urls: [url('/user', 'POST', 'PATCH', 'PUT'), url('/companies', 'POST'), url('/admin', 'GET', 'POST')] } }),
      pol('pol3', [], { a: { allowed_urls: [url('/admin/cache', 'DELETE')] } })
    ],
    apply: ['pol1', 'pol2', 'pol3'],
    apiOrgId: null,
    rights: {
      a: { urls: [url('/user', 'GET', 'POST', 'PATCH', 'PUT'), url('/companies', 'GET', 'POST'), url('/admin', 'GET', 'POST'), url('/admin/cache', 'DELETE')] }
    }
  },

  // --- tests/policy/allowed_urls_test.go ---
  {
    name: 'tyk: TestAllowedURLs — a second policy appends its URL on every API',
    policies: [
      pol('urls-base', [], {
        api1: { versions: ['v1'], limit: lim(1000, 1, 100, 3600), allowed_urls: [url('/user', 'GET'), url('/companies', 'GET')] },
        api2: { versions: ['v1'], limit: lim(1000, 1, 200, 3600), allowed_urls: [url('/user', 'POST', 'PATCH', 'PUT'), url('/companies', 'POST'), url('/admin', 'GET', 'POST')] },
        api3: { versions: ['v1'], allowed_urls: [url('/admin/cache', 'DELETE')] }
      }, { rate: 1000, per: 1, quota_max: 50, quota_renewal_rate: 3600 }),
      pol('urls-appended', [], Object.fromEntries(['api1', 'api2', 'api3'].map((api) => [api, { versions: ['v1'], allowed_urls: [url('/appended', 'GET')] }])),
        { rate: 1000, per: 1, quota_max: 50, quota_renewal_rate: 3600 })
    ],
    apply: ['urls-base', 'urls-appended'],
    key: { access_rights: { api1: { api_id: 'api1', versions: ['v1'] }, api2: { api_id: 'api2', versions: ['v1'] }, api3: { api_id: 'api3', versions: ['v1'] } } },
    rights: {
      api1: { urls: [url('/user', 'GET'), url('/companies', 'GET'), url('/appended', 'GET')] },
      api2: { urls: [url('/user', 'POST', 'PATCH', 'PUT'), url('/companies', 'POST'), url('/admin', 'GET', 'POST'), url('/appended', 'GET')] },
      api3: { urls: [url('/admin/cache', 'DELETE'), url('/appended', 'GET')] }
    }
  },

  // --- gateway/policy_test.go ---
  {
    // Tyk checks the limits by counting quota per API: each API has its own counter.
    name: 'tyk: ApplyPoliciesQuotaAPILimit — per_api: own limits where set, the policy\'s elsewhere',
    policies: [pol('two_of_three_with_api_limit', ['per_api'], {
      api1: { versions: ['v1'], limit: lim(1000, 1, 100, 3600) },
      api2: { versions: ['v1'], limit: lim(1000, 1, 200, 3600) },
      api3: { versions: ['v1'] }
    }, { rate: 1000, per: 1, quota_max: 50, quota_renewal_rate: 3600 })],
    apply: ['two_of_three_with_api_limit'],
    key: { access_rights: { api1: { api_id: 'api1', versions: ['v1'] }, api2: { api_id: 'api2', versions: ['v1'] }, api3: { api_id: 'api3', versions: ['v1'] } } },
    apis: ['api1', 'api2', 'api3'],
    rights: {
      api1: { limit: lim(1000, 1, 100, 3600), scope: 'api1' },
      api2: { limit: lim(1000, 1, 200, 3600), scope: 'api2' },
      api3: { limit: lim(1000, 1, 50, 3600), scope: 'two_of_three_with_api_limit' }
    }
  },
  ...[1000, 1].map((policy1Rate): Row => ({
    // Tyk checks this by counting: api2 and api3 draw on one quota, api1 on another.
    name: `tyk: ApplyMultiPolicies — each policy's limits on its own APIs, one counter per policy${policy1Rate === 1 ? ' (after policy1\'s rate drops to 1)' : ''}`,
    policies: [
      pol('policy1', [], { api1: { versions: ['v1'] } }, { rate: policy1Rate, per: 1, quota_max: 50, quota_renewal_rate: 3600 }),
      pol('policy2', [], { api2: { versions: ['v1'] }, api3: { versions: ['v1'] } }, { rate: 100, per: 1, quota_max: 100, quota_renewal_rate: 3600 })
    ],
    apply: ['policy1', 'policy2'],
    apis: ['api1', 'api2', 'api3'],
    rights: {
      api1: { limit: lim(policy1Rate, 1, 50, 3600), scope: 'policy1' },
      api2: { limit: lim(100, 1, 100, 3600), scope: 'policy2' },
      api3: { limit: lim(100, 1, 100, 3600), scope: 'policy2' }
    }
  })),
  ...[['api1', 'api2'], ['api1']].map((apis): Row => ({
    name: `tyk: PerAPIPolicyUpdate — the key gets exactly the per_api policy's APIs (${apis.join(', ')})`,
    policies: [pol('per_api_policy_with_two_apis', ['per_api'], Object.fromEntries(apis.map((api) => [api, { versions: ['v1'] }])))],
    apply: ['per_api_policy_with_two_apis'],
    key: { access_rights: { api1: { api_id: 'api1', versions: ['v1'] }, api2: { api_id: 'api2', versions: ['v1'] } } },
    apis
  })),
  ...([
    ['org1', 'org1', ['org1', 'org2'], ['api1'], undefined],
    ['org2', 'org2', ['org1', 'org2'], ['api2'], undefined],
    ['org1', 'org2', ['org1', 'org2'], undefined, 'different organisation'],
    ['org1', 'org1', ['org2'], undefined, 'not found']
  ] as const).map(([keyOrg, apiOrg, policyOrgs, apis, error]): Row => ({
    name: `tyk: OrganizationScopedPolicies — key of ${keyOrg} on an API of ${apiOrg}, shared id held by ${policyOrgs.join(' and ')}`,
    policies: policyOrgs.map((org) => pol('shared-policy-id', [], { [org === 'org1' ? 'api1' : 'api2']: { versions: ['Default'] } }, { org_id: org })),
    apply: ['shared-policy-id'],
    key: { org_id: keyOrg },
    apiOrgId: apiOrg,
    ...(apis === undefined ? {} : { apis: [...apis] }),
    ...(error === undefined ? {} : { error })
  }))
]

const catalogue = CATALOGUE.map(aPolicy)

function run (row: Row): void {
  const lookup = lookupOf([...(row.policies ?? []).map(aPolicy), ...catalogue])
  const key = aSession({ org_id: ORG, ...row.key, apply_policies: row.apply })
  const apiOrgId = row.apiOrgId === null ? undefined : (row.apiOrgId ?? ORG)
  const want = row.error
  if (want !== undefined) {
    assert.throws(() => mergePolicies(key, lookup, apiOrgId), (err: unknown) => err instanceof PolicyMergeError && err.message.includes(want))
    return
  }
  const merged = mergePolicies(key, lookup, apiOrgId)
  for (const [field, value] of Object.entries(row.session ?? {})) {
    assert.deepEqual((merged as Record<string, unknown>)[field], value, field)
  }
  if (row.apis !== undefined) assert.deepEqual(Object.keys(merged.access_rights).sort(), [...row.apis].sort(), 'granted APIs')
  for (const [api, right] of Object.entries(row.rights ?? {})) {
    const got = merged.access_rights[api]
    assert.ok(got !== undefined, `${api} is granted`)
    if (right.limit !== undefined) assert.deepEqual(limitView(got.limit), limitView(right.limit), `${api} limit`)
    if (right.scope !== undefined) assert.equal(got.allowance_scope ?? '', right.scope, `${api} allowance_scope`)
    if (right.urls !== undefined) assert.deepEqual(got.allowed_urls ?? [], right.urls, `${api} allowed_urls`)
    if (right.introspectionOff !== undefined) assert.equal(got.disable_introspection === true, right.introspectionOff, `${api} disable_introspection`)
    if (right.endpoints !== undefined) assert.deepEqual(flatEndpoints(got.endpoints), flatEndpoints(eps(...right.endpoints)), `${api} endpoints`)
  }
  row.check?.(merged, lookup)
}

for (const row of ROWS) {
  test(row.name, row.todo === undefined ? {} : { todo: row.todo }, () => run(row))
}
