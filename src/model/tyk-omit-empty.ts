/**
 * Fields Tyk's JSON encoder leaves out when they are empty (Go's `omitempty`/`omitzero`), per
 * object, as a tree that follows the nesting of SessionState, Policy and APIDefinition. We print
 * the full form of Tyk <= 5.11 (spec management-api 2.2), so a field is listed when no Tyk has
 * ever printed it empty: tagged omitempty there, or added later with omitempty/omitzero (5.12+
 * omits every zero session field; we keep the older, fuller form for the others).
 * Output only: what is stored and enforced keeps every field.
 */
export interface OmitEmptyRule {
  /** Left out when null, false, 0, '' or an empty list or map. */
  readonly fields?: readonly string[]
  /** Rules for the object held by a field. */
  readonly nested?: Readonly<Record<string, OmitEmptyRule>>
  /** The rule for every value of a map or item of a list. */
  readonly each?: OmitEmptyRule
}

// user/session.go: Endpoint {path, methods omitempty}, EndpointMethod {name, limit omitempty}
const endpoint: OmitEmptyRule = { fields: ['path', 'methods'], nested: { methods: { each: { fields: ['name', 'limit'] } } } }

// user/session.go AccessDefinition: endpoints (omitempty since before 5.12); the JSON-RPC and MCP
// fields came with 5.12, omitted when empty; APILimit's smoothing is a pointer with omitempty.
const accessDefinition: OmitEmptyRule = {
  fields: ['endpoints', 'json_rpc_methods', 'mcp_primitives'],
  nested: { endpoints: { each: endpoint }, limit: { fields: ['smoothing'] } }
}

// apidef/api_definitions.go ExtendedPathsSet: every list is omitempty
const extendedPaths: OmitEmptyRule = {
  fields: ['ignored', 'white_list', 'black_list', 'mock_response', 'cache', 'advance_cache_config', 'transform', 'transform_response',
    'transform_jq', 'transform_jq_response', 'transform_headers', 'transform_response_headers', 'hard_timeouts', 'circuit_breakers',
    'url_rewrites', 'virtual', 'size_limits', 'method_transforms', 'track_endpoints', 'do_not_track_endpoints', 'validate_json',
    'validate_request', 'internal', 'go_plugin']
}

export const TYK_OMIT_EMPTY = {
  // user/session.go SessionState: mtls_static_certificate_bindings (omitempty) and
  // post_expiry_action / post_expiry_grace_period (omitzero) are newer than the full form
  session: {
    fields: ['mtls_static_certificate_bindings', 'post_expiry_action', 'post_expiry_grace_period'],
    nested: { access_rights: { each: accessDefinition } }
  },
  // user/policy.go Policy: only post_expiry_action is omitzero
  policy: {
    fields: ['post_expiry_action'],
    nested: { access_rights: { each: accessDefinition } }
  },
  // apidef/api_definitions.go APIDefinition: the omitempty fields that are not structs (Go never
  // leaves out a struct for omitempty)
  apiDefinition: {
    fields: ['id', 'expiration', 'json_rpc_version', 'application_protocol', 'upstream_certificates_disabled', 'certificate_pinning_disabled',
      'session_lifetime_respects_key_expiration', 'domain_disabled', 'tags_disabled', 'is_oas', 'security_requirements', 'security_requirement_scopes'],
    nested: { version_data: { nested: { versions: { each: { nested: { extended_paths: extendedPaths } } } } } }
  }
} as const satisfies Record<string, OmitEmptyRule>
