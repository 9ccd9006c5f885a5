import type { IncomingMessage } from 'node:http'
import type { CompiledApi } from './compiled-api.js'

/**
 * The version a request names (spec gateway 5.2): header, query parameter or first path segment.
 * A non-versioned API that is no base API compiles to location 'none' and reads nothing.
 */
export function requestedVersion (req: IncomingMessage, path: string, query: string, api: CompiledApi): string {
  const { versioning } = api
  switch (versioning.location) {
    case 'none':
      return ''
    case 'header': {
      const value = req.headers[versioning.key]
      return typeof value === 'string' ? value : ''
    }
    case 'url-param':
      return query === '' ? '' : new URLSearchParams(query).get(versioning.key) ?? ''
    case 'url': {
      const rest = path.startsWith(api.listenPath) ? path.slice(api.listenPath.length) : path
      for (const segment of rest.split('/')) if (segment !== '') return segment
      return ''
    }
  }
}
