import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { parse } from 'yaml'

/**
 * Tyk's published Gateway API contract (tyk-swagger.yml, OpenAPI 3.0) as a response checker.
 * OpenAPI 3.0 schemas are not JSON Schema: `nullable` widens a type to null, a `$ref` ignores
 * its siblings, and `example`, `x-*` and friends are annotations. Each schema is converted
 * once, then compiled by ajv per (operation, status) on first use.
 */
type Json = Record<string, unknown>

interface Operation { readonly template: string, readonly segments: readonly string[], readonly method: string, readonly responses: Json }

const CONTRACT_PATH = new URL('./tyk-swagger.yml', import.meta.url)
const COMPONENTS_ID = 'tyk-swagger.json'
// OpenAPI annotations and keywords that JSON Schema (draft-07) lacks; they never reject a value
const ANNOTATIONS = new Set(['example', 'examples', 'deprecated', 'discriminator', 'xml', 'externalDocs', 'readOnly', 'writeOnly', 'nullable'])
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])
const BODY_SHOWN_CHARS = 3000

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One OpenAPI 3.0 schema as JSON Schema; `$ref`s point into the components document. */
function toJsonSchema (schema: unknown): unknown {
  if (!isObject(schema)) return schema
  if (typeof schema.$ref === 'string') return { $ref: schema.$ref.replace(/^#\//, `${COMPONENTS_ID}#/`) }
  const out: Json = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword) || keyword.startsWith('x-')) continue
    if (keyword === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, member]) => [name, toJsonSchema(member)]))
    } else if ((keyword === 'allOf' || keyword === 'oneOf' || keyword === 'anyOf') && Array.isArray(value)) {
      out[keyword] = value.map(toJsonSchema)
    } else if (keyword === 'items' || keyword === 'not' || (keyword === 'additionalProperties' && isObject(value))) {
      out[keyword] = toJsonSchema(value)
    } else {
      out[keyword] = value
    }
  }
  if (schema.nullable !== true) return out
  // nullable: null is allowed besides whatever the schema allows (OpenAPI 3.0.3, Schema Object)
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null]
    return out
  }
  return { anyOf: [out, { type: 'null' }] }
}

function formatProblems (errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `  ${error.instancePath === '' ? '(body)' : error.instancePath} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`).join('\n')
}

/** What a response must look like according to Tyk's swagger.yml. */
export class TykContract {
  private readonly operations: Operation[] = []
  private readonly ajv = new Ajv({ allErrors: true, strict: false })
  private readonly validators = new Map<string, ValidateFunction>()

  private constructor (document: Json) {
    for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) this.ajv.addFormat(format, true)
    // RFC 3339, as Go's time.Time marshals it
    this.ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
    this.ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/)
    const components = isObject(document.components) ? document.components : {}
    const schemas = isObject(components.schemas) ? components.schemas : {}
    this.ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, toJsonSchema(schema)])) } })
    for (const [template, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
      if (!isObject(item)) continue
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.has(method) || !isObject(operation) || !isObject(operation.responses)) continue
        this.operations.push({ template, segments: template.split('/'), method: method.toUpperCase(), responses: operation.responses })
      }
    }
  }

  static load (path: URL | string = CONTRACT_PATH): TykContract {
    return new TykContract(parse(readFileSync(path, 'utf8')) as Json)
  }

  /** The operation a concrete request path belongs to; literal segments win over `{params}`. */
  operationOf (method: string, path: string): Operation | undefined {
    const segments = (path.split('?', 1)[0] ?? '').split('/')
    let best: Operation | undefined
    let bestParams = Infinity
    for (const operation of this.operations) {
      if (operation.method !== method.toUpperCase() || operation.segments.length !== segments.length) continue
      let params = 0
      const matches = operation.segments.every((segment, i) => {
        if (segment.startsWith('{') && segment.endsWith('}')) { params++; return segments[i] !== '' }
        return segment === segments[i]
      })
      if (matches && params < bestParams) { best = operation; bestParams = params }
    }
    return best
  }

  /** Every way the response breaks the contract; empty when it keeps it. */
  problems (method: string, path: string, status: number, contentType: string | null, body: string): string[] {
    const operation = this.operationOf(method, path)
    if (operation === undefined) return [`${method} ${path} is not an operation of Tyk's contract`]
    const where = `${method} ${operation.template} -> ${status}`
    const response = operation.responses[String(status)] ?? operation.responses.default
    if (!isObject(response)) return [`${where}: status ${status} is not in the contract (it lists ${Object.keys(operation.responses).join(', ')})`]
    const content = isObject(response.content) ? response.content : undefined
    if (content === undefined) return []
    const mediaType = (contentType ?? '').split(';', 1)[0]?.trim() ?? ''
    const media = content[mediaType]
    if (!isObject(media)) return [`${where}: content type "${mediaType}" is not in the contract (it lists ${Object.keys(content).join(', ')})`]
    if (media.schema === undefined) return []
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return [`${where}: the body is not JSON: ${body.slice(0, BODY_SHOWN_CHARS)}`]
    }
    const validate = this.validatorOf(`${operation.method} ${operation.template} ${status} ${mediaType}`, media.schema)
    if (validate(value)) return []
    return [`${where}: the body breaks Tyk's schema:\n${formatProblems(validate.errors)}\nbody: ${body.slice(0, BODY_SHOWN_CHARS)}`]
  }

  private validatorOf (id: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(id)
    if (validate === undefined) {
      validate = this.ajv.compile(toJsonSchema(schema) as Json)
      this.validators.set(id, validate)
    }
    return validate
  }
}
