import type { IncomingMessage } from 'node:http'
import type { CompiledApi } from './compiled-api.js'

/** The version a request names (spec gateway 5.2): header, query parameter or first path segment. */
export function requestedVersion (req: IncomingMessage, path: string, query: string, api: CompiledApi): string {
  const { versioning } = api
  if (versioning.notVersioned) return ''
  switch (versioning.location) {
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
    case 'none':
      return ''
  }
}
