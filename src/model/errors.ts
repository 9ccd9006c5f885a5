/**
 * Every message a client can see, written once, in Tyk's words, with its status and the Tyk
 * file it comes from. The catalogue knows no format: admin/ renders {"status":"error",...},
 * gateway/ renders {"error": ...}. `{0}`, `{1}` are filled from GatehouseError's args.
 */
export const errors = {
  // gateway/api.go, checkIsAPIOwner
  ADMIN_FORBIDDEN: { status: 403, message: 'Attempted administrative access with invalid or missing key!' },
  // gateway/api.go, router method-not-allowed handler
  METHOD_NOT_SUPPORTED: { status: 405, message: 'Method not supported' },
  // gateway/health_check.go: the liveness endpoint words it differently
  HEALTH_METHOD_NOT_ALLOWED: { status: 405, message: 'Method Not Allowed' },
  // gateway/api.go: 10 copies of this text in Tyk
  REQUEST_MALFORMED: { status: 400, message: 'Request malformed' },
  // gateway/api.go createKeyHandler/previewKeyHandler. Tyk answers 500; a bad body is the
  // client's fault and our issue #4 asks for 400, so we keep the text and fix the status.
  UNMARSHALLING_FAILED: { status: 400, message: 'Unmarshalling failed' },
  // ours: fastify's body limit; Tyk has no limit at all
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large' },
  KEY_NOT_FOUND: { status: 404, message: 'Key not found' }, // api.go handleGetDetail
  KEY_NOT_FOUND_ON_UPDATE: { status: 404, message: 'Key is not found' }, // api.go handleAddOrUpdate
  KEY_NOT_FOUND_ON_DELETE: { status: 404, message: 'There is no such key found' }, // api.go handleDeleteKey
  KEY_REMOVE_FAILED: { status: 400, message: 'Failed to remove the key' }, // api.go handleDeleteKey
  HASHED_LOOKUP_DISABLED: { status: 400, message: 'Key requested by hash but key hashing is not enabled' },
  HASHED_LISTING_DISABLED: { status: 404, message: 'Hashed key listing is disabled in config (enable_hashed_keys_listing)' },
  // api.go createKeyHandler, master key refused
  MASTER_KEY_REFUSED: { status: 400, message: 'Failed to create key, keys must have at least one Access Rights record set.' },
  // api.go handleAddOrUpdate, any failure of doAddOrUpdate
  KEY_SECURITY_SETTINGS: { status: 500, message: 'Failed to create key, ensure security settings are correct.' },
  // api.go createKeyHandler, policy merge failure
  KEY_CREATE_FAILED: { status: 500, message: 'Failed to create key - {0}' },
  // api.go handleAddOrUpdate (custom key shorter than the floor)
  KEY_ID_TOO_SHORT: {
    status: 400,
    message: 'custom key ID length {0} is less than min_token_length ({1}); the key would be unreachable at auth time. Use an ID of at least min_token_length characters, or lower min_token_length in the gateway configuration.'
  },
  // ours: a key id Tyk's router could never have matched, or one too long to be a key
  KEY_ID_INVALID: { status: 400, message: 'Invalid key ID: {0}' },
  // ours: with Tyk's legacy murmur32 names two tokens can share a storage name; Tyk would
  // silently overwrite the other key, we refuse
  KEY_HASH_COLLISION: { status: 409, message: 'A different key is already stored under this key hash; choose another key ID' },
  POLICY_INSTRUCTION_MALFORMED: { status: 400, message: 'Couldn\'t decode instruction' }, // api.go policyUpdateHandler
  KEY_WRITE_FAILED: { status: 500, message: 'Could not write key data' }, // api.go policyUpdateHandler
  // --- policies (gateway/api.go, handleAddOrUpdatePolicy and friends) ---
  POLICY_NOT_FOUND: { status: 404, message: 'Policy not found' },
  POLICY_SOURCE_IS_SERVICE: { status: 500, message: 'Due to enabled service policy source, please use the Dashboard API' },
  POLICY_ID_INVALID: { status: 400, message: 'Invalid Policy ID: Allowed characters: a-z, A-Z, 0-9, ., _, -, ~' },
  POLICY_ID_MISMATCH: { status: 400, message: 'Request ID does not match that in policy! For Update operations these must match.' },
  POLICY_ID_MISSING: { status: 400, message: 'Unable to create policy without id.' },
  POLICY_STORAGE_UNUSABLE: { status: 500, message: 'Unable to access policy storage.' },
  POLICY_WRITE_FAILED: { status: 500, message: 'Failed to create file!' },
  // Tyk answers a missing policy or API file on DELETE with this 500 too
  DELETE_FAILED: { status: 500, message: 'Delete failed' },
  // (sic) Tyk says "apiID" on the policy routes
  POLICY_UPDATE_NEEDS_ID: { status: 400, message: 'Must specify an apiID to update' },
  POLICY_DELETE_NEEDS_ID: { status: 400, message: 'Must specify an apiID to delete' },
  // --- organisations (gateway/api.go, orgHandler) ---
  ORG_NOT_FOUND: { status: 404, message: 'Org not found' },
  ORG_LIST_NOT_FOUND: { status: 404, message: 'ORG not found' },
  ORG_WRITE_FAILED: { status: 500, message: 'Error writing to key store {0}' },
  // --- API definitions (gateway/api.go, apiHandler) ---
  API_NOT_FOUND: { status: 404, message: 'API not found' },
  API_ID_INVALID: { status: 400, message: 'Invalid API ID' },
  API_ID_MISMATCH: { status: 400, message: 'Request APIID does not match that in Definition! For Update operations these must match.' },
  API_VALIDATION_FAILED: { status: 400, message: 'Validation of API Definition failed. Reason: {0}.' },
  API_WRITE_FAILED: { status: 500, message: 'file object creation failed, write error' },
  // --- reloads (ours: Tyk's /tyk/reload always answers ok and only logs what it skipped) ---
  RELOAD_FAILED: { status: 500, message: 'Reload failed, the previous APIs and policies stay live: {0}' },
  RELOAD_INCOMPLETE: { status: 500, message: 'Reloaded, but left out: {0}' },
  // lib/apidef/version.go VersionQueryParameters.Validate; gateway/api.go handleAddApi answers
  // 422 for the first (its comment: kept for compatibility) and 400 for the others
  API_NEW_VERSION_REQUIRED: { status: 422, message: 'The new version name is required' },
  API_BASE_NOT_FOUND: { status: 400, message: '{0} is not a valid Base API version' },
  API_BASE_VERSION_NAME_REQUIRED: { status: 400, message: 'you need to provide a version name for the new Base API: {0}' },
  // --- data plane (gateway/handler_error.go and the middleware named) ---
  IP_DISALLOWED: { status: 403, message: 'access from this IP has been disallowed' }, // mw_ip_whitelist.go, mw_ip_blacklist.go
  AUTH_FIELD_MISSING: { status: 401, message: 'Authorization field missing' }, // mw_auth_key.go
  ACCESS_DISALLOWED: { status: 403, message: 'Access to this API has been disallowed' }, // mw_auth_key.go, mw_access_rights.go
  KEY_INACTIVE: { status: 403, message: 'Key is inactive, please renew' }, // mw_key_expired_check.go
  KEY_EXPIRED: { status: 401, message: 'Key has expired, please renew' }, // mw_key_expired_check.go
  ORG_RATE_LIMITED: { status: 403, message: 'This organisation rate limit has been exceeded, please contact your API administrator' }, // mw_organisation_activity.go
  ORG_QUOTA_EXCEEDED: { status: 403, message: 'This organisation quota has been exceeded, please contact your API administrator' },
  API_RATE_LIMITED: { status: 429, message: 'API Rate Limit Exceeded' }, // mw_api_rate_limit.go
  ORG_INACTIVE: { status: 403, message: 'this organisation access has been disabled, please contact your API administrator' }, // mw_organisation_activity.go
  // mw_version_check.go / api_definition.go
  VERSION_AMBIGUOUS_DEFAULT: { status: 403, message: 'Ambiguous default API version for this non-versioned API' },
  VERSION_NO_DEFAULT: { status: 403, message: 'No default API version for this non-versioned API found' },
  VERSION_INFO_NOT_FOUND: { status: 403, message: 'Version information not found' },
  VERSION_DOES_NOT_EXIST: { status: 403, message: 'This API version does not seem to exist' },
  // mw_version_check.go: a base API (definition.enabled) lists no loaded API for the version
  // asked and does not fall back to its default: Tyk answers 404 there, 403 for version_data
  VERSION_API_NOT_FOUND: { status: 404, message: 'This API version does not seem to exist' },
  // mw_version_check.go: falling back to a default version that is not listed, or whose API is
  // not loaded; Tyk logs which and answers net/http's StatusText(500)
  VERSION_DEFAULT_API_MISSING: { status: 500, message: 'Internal Server Error' },
  API_EXPIRED: { status: 403, message: 'API has expired, please check documentation or contact administrator' },
  VERSION_EXPIRED: { status: 403, message: 'Api Version has expired, please check documentation or contact administrator' },
  ENDPOINT_FORBIDDEN: { status: 403, message: 'Requested endpoint is forbidden' }, // mw_version_check.go (black/white lists)
  RESOURCE_DISALLOWED: { status: 403, message: 'Access to this resource has been disallowed' }, // mw_granular_access.go
  RATE_LIMITED: { status: 429, message: 'Rate Limit Exceeded' }, // mw_rate_limiting.go
  QUOTA_EXCEEDED: { status: 403, message: 'Quota exceeded' }, // mw_rate_limiting.go
  UPSTREAM_TIMEOUT: { status: 504, message: 'Upstream service reached hard timeout.' }, // reverse_proxy.go
  UPSTREAM_LOOKUP_FAILED: { status: 500, message: 'Upstream host lookup failed' }, // reverse_proxy.go
  PROXY_FAILED: { status: 500, message: 'There was a problem proxying the request' }, // reverse_proxy.go
  // ours: a CONNECT asks for a tunnel, which no API serves (issue 15; node:http would close the
  // socket without a word); the text is net/http's StatusText(405)
  CONNECT_NOT_ALLOWED: { status: 405, message: 'Method Not Allowed' },
  // ours: the catch-all for bugs and broken I/O; the details go to the log only
  INTERNAL: { status: 500, message: 'Internal server error' }
} as const satisfies Record<string, { readonly status: number, readonly message: string }>

export type ErrorCode = keyof typeof errors

/** Thrown on the management API and at startup; caught once, by the edge that renders it. */
export class GatehouseError extends Error {
  readonly status: number
  /** What exactly was wrong, for a human; sent beside the catalogue text, never instead of it. */
  readonly detail: string | undefined

  constructor (readonly code: ErrorCode, options?: { args?: readonly (string | number)[], detail?: string, cause?: unknown }) {
    super(fillMessage(errors[code].message, options?.args), { cause: options?.cause })
    this.status = errors[code].status
    this.detail = options?.detail
  }
}

function fillMessage (template: string, args: readonly (string | number)[] | undefined): string {
  if (args === undefined) return template
  return template.replace(/\{(\d)\}/g, (_, index: string) => String(args[Number(index)] ?? ''))
}
